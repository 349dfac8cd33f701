package io.meshflow.server;

/**
 * Who a request acts as: the tenant and role of its API key.
 *
 * @param tenantId the key's tenant
 * @param role the key's role
 */
public record Principal(String tenantId, Role role) {
    /** True for an admin key. */
    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}

/**
 * The MeshFlow server: an authenticated, multi-tenant HTTP API over {@link io.meshflow.Mesh} and the JDBC ledger,
 * with NDJSON and Server-Sent-Event token streaming, traces, chain verification, Prometheus metrics
 * ({@link io.meshflow.server.RunMetrics}, usable for embedded runs too) and TLS from PEM files. Start one with
 * {@link io.meshflow.server.MeshFlowServer#builder()}; API keys come from {@link io.meshflow.server.ApiKeys}.
 */
@NullMarked
package io.meshflow.server;

import org.jspecify.annotations.NullMarked;

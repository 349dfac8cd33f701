/**
 * Keeping personal and health data out of what MeshFlow stores: {@link io.meshflow.privacy.PhiScrubber} finds
 * protected health information (PHI) in text and redacts it.
 */
@NullMarked
package io.meshflow.privacy;

import org.jspecify.annotations.NullMarked;

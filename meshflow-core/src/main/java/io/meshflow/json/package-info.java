/** Jackson configuration shared by every MeshFlow wire format (snake_case field names). */
@NullMarked
package io.meshflow.json;

import org.jspecify.annotations.NullMarked;

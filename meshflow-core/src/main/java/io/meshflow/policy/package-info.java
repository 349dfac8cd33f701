/** Run policies (step, token, cost, output and time caps) and the verdict every step ends in. */
@NullMarked
package io.meshflow.policy;

import org.jspecify.annotations.NullMarked;

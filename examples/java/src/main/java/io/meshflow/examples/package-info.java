/** Compiled examples of MeshFlow's Java API, run by their tests so that the README's snippets cannot rot. */
@NullMarked
package io.meshflow.examples;

import org.jspecify.annotations.NullMarked;

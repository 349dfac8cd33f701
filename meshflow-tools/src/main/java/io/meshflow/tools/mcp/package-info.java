/**
 * Model Context Protocol servers' tools as MeshFlow tools: {@link io.meshflow.tools.mcp.McpTools} connects to a server
 * over stdio or streamable HTTP with the official MCP Java SDK.
 */
@NullMarked
package io.meshflow.tools.mcp;

import org.jspecify.annotations.NullMarked;

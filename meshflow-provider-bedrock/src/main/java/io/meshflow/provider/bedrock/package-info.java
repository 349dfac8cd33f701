/**
 * {@link io.meshflow.provider.bedrock.BedrockProvider}: models on Amazon Bedrock (Claude and others) through the AWS SDK
 * v2 Bedrock Runtime Converse and ConverseStream APIs, registered as provider {@code bedrock}.
 */
@NullMarked
package io.meshflow.provider.bedrock;

import org.jspecify.annotations.NullMarked;

package io.meshflow.provider.bedrock;

import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ProviderRateLimitException;
import io.meshflow.provider.ProviderServerException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Turns the AWS SDK's exceptions into {@link ProviderException}s that say what happened and what to do. */
final class BedrockErrors {
    /** Where credentials come from, named when Bedrock refuses them. */
    static final String CREDENTIALS_HINT = "the AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE,"
            + " a role, or the 'access_key_id'/'secret_access_key' settings; or a Bedrock API key in"
            + " AWS_BEARER_TOKEN_BEDROCK or 'api_key'), the region, and the IAM permissions bedrock:InvokeModel and"
            + " bedrock:InvokeModelWithResponseStream on the model";

    private static final Set<String> THROTTLING =
            Set.of("ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException");
    private static final Set<String> AUTHENTICATION = Set.of(
            "AccessDeniedException",
            "UnrecognizedClientException",
            "ExpiredTokenException",
            "InvalidSignatureException",
            "IncompleteSignature",
            "MissingAuthenticationTokenException",
            "InvalidClientTokenId");
    private static final Set<String> SERVER = Set.of(
            "InternalServerException",
            "ServiceUnavailableException",
            "ModelStreamErrorException",
            "ModelNotReadyException",
            "ModelTimeoutException");

    private BedrockErrors() {}

    static ProviderException wrap(Throwable thrown, boolean cancelled, Duration timeout) {
        Throwable e = unwrap(thrown);
        if (e instanceof ProviderException provider) {
            return provider;
        }
        if (cancelled) {
            return new ProviderException(BedrockProvider.NAME, "the call was cancelled", e);
        }
        if (e instanceof AwsServiceException service) {
            AwsErrorDetails details = service.awsErrorDetails();
            String code = details == null || details.errorCode() == null ? "" : details.errorCode();
            String message = details == null || details.errorMessage() == null ? "" : details.errorMessage();
            String detail = code.isEmpty() ? message : code + ": " + message;
            int status = service.statusCode();
            // in-stream exception events name their type in lower camel case (throttlingException)
            String type = code.isEmpty() ? code : Character.toUpperCase(code.charAt(0)) + code.substring(1);
            if (THROTTLING.contains(type)) {
                return new ProviderRateLimitException(
                        BedrockProvider.NAME,
                        "rate limited (HTTP " + status + ") after the configured retries: " + detail,
                        null,
                        e);
            }
            if (AUTHENTICATION.contains(type)) {
                return new ProviderAuthenticationException(
                        BedrockProvider.NAME,
                        "authentication failed (HTTP " + status + "): " + detail + "; check " + CREDENTIALS_HINT,
                        e);
            }
            if (SERVER.contains(type) && status < 500) {
                return new ProviderServerException(
                        BedrockProvider.NAME, "the service failed after the configured retries: " + detail, e);
            }
            return ProviderException.forHttpStatus(BedrockProvider.NAME, status, detail, CREDENTIALS_HINT, e);
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return timedOut(timeout, e);
        }
        if (e instanceof SdkClientException client) {
            String message = messageOf(client);
            if (message.contains("Unable to load credentials") || message.contains("Unable to load region")) {
                return new ProviderAuthenticationException(
                        BedrockProvider.NAME, message + "; check " + CREDENTIALS_HINT, e);
            }
            return new ProviderException(
                    BedrockProvider.NAME, "the call failed, or the stream broke off or was malformed: " + message, e);
        }
        return new ProviderException(BedrockProvider.NAME, "the stream broke off or was malformed: " + messageOf(e), e);
    }

    static ProviderException timedOut(Duration timeout, @Nullable Throwable cause) {
        return new ProviderException(
                BedrockProvider.NAME,
                "no complete reply within the request timeout of " + timeout.toMillis() + " ms (setting 'timeout_ms')",
                cause);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable current = e;
        int depth = 0;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null
                && depth++ < 8) {
            current = current.getCause();
        }
        return current;
    }

    private static String messageOf(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}

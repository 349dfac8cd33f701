package io.meshflow.privacy;

/** The kinds of protected health information the scrubber redacts; each names its redaction marker. */
public enum PhiType {
    /** A US social security number. */
    SSN,
    /** A date of birth (a date next to words such as "DOB", "born" or "date of birth"). */
    DOB,
    /** A phone number: US formats and international E.164 numbers. */
    PHONE,
    /** An email address. */
    EMAIL,
    /** A medical record number (after "MRN" or "medical record number", or a configured pattern). */
    MRN,
    /** A US street address, with its city, state and ZIP code when they follow. */
    ADDRESS,
    /** An IPv4 or IPv6 address. */
    IP,
    /** A person's name, recognised by its context (a title such as "Dr.", or a label such as "Patient:"). */
    NAME;

    /** The text that replaces a span of this type: {@code [PHI-REDACTED:SSN]}. */
    public String marker() {
        return "[PHI-REDACTED:" + name() + "]";
    }
}

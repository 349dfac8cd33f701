package io.meshflow.privacy;

import java.util.List;
import java.util.regex.Pattern;

/** The built-in detectors: patterns for each {@link PhiType}, with the context words that make them precise. */
final class PhiPatterns {
    private static final String MONTH =
            "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
                    + "|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";
    private static final String DATE = "(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})"
            + "|\\d{4}[/.-]\\d{1,2}[/.-]\\d{1,2}"
            + "|" + MONTH + "\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}"
            + "|\\d{1,2}(?:st|nd|rd|th)?\\s+" + MONTH + "\\.?,?\\s+\\d{4})";
    private static final String STREET_SUFFIX = "(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr"
            + "|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq)";
    /** A capitalised name word; O'Brien and Smith-Jones are one word each, a possessive 's is not part of it. */
    private static final String CAPITALISED = "[A-Z][a-zA-Z]*(?:['\u2019-][A-Z][a-zA-Z]*)*";

    static final PatternDetector SSN = new PatternDetector(
            PhiType.SSN,
            "ssn",
            Pattern.compile("(?<![\\d-])(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?![\\d-])"),
            s -> true);
    static final PatternDetector SSN_IN_CONTEXT = new PatternDetector(
            PhiType.SSN,
            "ssn-context",
            Pattern.compile("(?i)(?<![a-z])(?:ssn|social\\s+security(?:\\s+(?:number|no\\.?|#))?)(?![a-z])\\s*"
                    + "(?:is\\s+|[:#]\\s*)?(?<phi>\\d{3}[- ]?\\d{2}[- ]?\\d{4})(?![\\d-])"),
            PhiPatterns::ssnNumbers);
    static final PatternDetector PHONE_US = new PatternDetector(
            PhiType.PHONE,
            "phone-us",
            "(?<![\\w+])(?:\\+?1[\\s.-]?)?(?:\\(\\d{3}\\)\\s?|\\d{3}[\\s.-])\\d{3}[\\s.-]\\d{4}(?![\\d-])");
    static final PatternDetector PHONE_IN_CONTEXT = new PatternDetector(
            PhiType.PHONE,
            "phone-context",
            "(?i)(?<![a-z])(?:phone|tel|telephone|mobile|cell|fax|call(?:\\s+back)?|number|reachable|contact)(?![a-z])"
                    + "[\\s:.#]*(?:is\\s+|on\\s+|at\\s+)?"
                    + "(?<phi>(?:\\+?1[\\s.-]?)?\\(?\\d{3}\\)?[\\s.-]?\\d{3}[\\s.-]?\\d{4})(?![\\d-])");
    static final PatternDetector PHONE_INTERNATIONAL = new PatternDetector(
            PhiType.PHONE,
            "phone-e164",
            Pattern.compile("(?<![\\w+])\\+[2-9]\\d{0,2}(?:[ .-]?\\d{1,5}){1,6}(?![\\d-])"),
            PhiPatterns::e164Digits);
    static final PatternDetector EMAIL = new PatternDetector(
            PhiType.EMAIL,
            "email",
            "(?i)(?<![\\w.+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.[a-z]{2,}(?![\\w-])");
    static final PatternDetector DOB = new PatternDetector(
            PhiType.DOB,
            "dob",
            "(?i)(?<![a-z])(?:dob|d\\.o\\.b\\.?|date\\s+of\\s+birth|birth\\s*date|born(?:\\s+on)?|birthday)(?![a-z])"
                    + "[\\s:,-]*(?:is\\s+|was\\s+|of\\s+)?(?<phi>" + DATE + ")(?![\\d])");
    static final PatternDetector MRN = new PatternDetector(
            PhiType.MRN,
            "mrn",
            "(?i)(?<![a-z])(?:mrn|medical\\s+record\\s+(?:number|no\\.?|#))(?![a-z])\\s*(?:is\\s+|[:#]\\s*)?"
                    + "(?<phi>[a-z]{0,4}\\d{5,12})(?!\\w)");
    static final PatternDetector ADDRESS = new PatternDetector(
            PhiType.ADDRESS,
            "us-street-address",
            "(?<![\\w.-])\\d{1,6}\\s+(?:[NSEW]\\.?\\s+)?(?:[A-Z][a-z]+\\.?\\s+){1,3}" + STREET_SUFFIX + "\\b\\.?"
                    + "(?:,?\\s+(?:Apt|Apartment|Suite|Ste|Unit|#)\\.?\\s*[\\w-]+)?"
                    + "(?:,\\s+[A-Z][a-zA-Z]+(?:\\s+[A-Z][a-zA-Z]+)*,\\s+[A-Z]{2}(?:\\s+\\d{5}(?:-\\d{4})?)?)?");
    static final PatternDetector IPV4 = new PatternDetector(
            PhiType.IP,
            "ipv4",
            Pattern.compile("(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?!\\.?\\d)"),
            PhiPatterns::ipv4Octets);
    static final PatternDetector IPV6 = new PatternDetector(
            PhiType.IP,
            "ipv6",
            Pattern.compile("(?<![\\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\\w:])"),
            PhiPatterns::ipv6Groups);
    static final PatternDetector NAME_AFTER_TITLE = new PatternDetector(
            PhiType.NAME,
            "name-title",
            "(?<![A-Za-z])(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof)\\.?\\s+(?<phi>" + CAPITALISED + "(?:\\s+" + CAPITALISED
                    + "){0,2})");
    static final PatternDetector NAME_AFTER_LABEL = new PatternDetector(
            PhiType.NAME,
            "name-label",
            "(?<![A-Za-z])(?i:patient(?:'s)?\\s+name|full\\s+name|patient|name|pt)\\s*:\\s*(?<phi>" + CAPITALISED
                    + "(?:\\s+" + CAPITALISED + "){0,3})");

    static final List<PatternDetector> ALL = List.of(
            SSN,
            SSN_IN_CONTEXT,
            PHONE_US,
            PHONE_IN_CONTEXT,
            PHONE_INTERNATIONAL,
            EMAIL,
            DOB,
            MRN,
            ADDRESS,
            IPV4,
            IPV6,
            NAME_AFTER_TITLE,
            NAME_AFTER_LABEL);

    private PhiPatterns() {}

    /** Numbers the SSA never issues: area 000, 666 or 900-999, group 00, serial 0000. */
    private static boolean ssnNumbers(String ssn) {
        String digits = ssn.replaceAll("[^0-9]", "");
        int area = Integer.parseInt(digits.substring(0, 3));
        return area != 0
                && area != 666
                && area < 900
                && !digits.substring(3, 5).equals("00")
                && !digits.substring(5).equals("0000");
    }

    /** E.164 allows 8 to 15 digits in all. */
    private static boolean e164Digits(String number) {
        long digits = number.chars().filter(Character::isDigit).count();
        return digits >= 8 && digits <= 15;
    }

    private static boolean ipv4Octets(String address) {
        for (String octet : address.split("\\.", -1)) {
            if (octet.isEmpty() || Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    /** Eight groups, or fewer with exactly one {@code ::}; at most four hex digits each. */
    private static boolean ipv6Groups(String address) {
        int compressed = address.indexOf("::");
        if (compressed >= 0 && address.indexOf("::", compressed + 1) >= 0) {
            return false;
        }
        String[] groups = address.split(":", -1);
        int nonEmpty = 0;
        for (String g : groups) {
            if (!g.isEmpty()) {
                nonEmpty++;
            }
        }
        return compressed >= 0 ? nonEmpty >= 1 && nonEmpty <= 7 : groups.length == 8 && nonEmpty == 8;
    }
}

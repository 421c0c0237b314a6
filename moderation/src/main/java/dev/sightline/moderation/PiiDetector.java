package dev.sightline.moderation;

import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.validator.routines.CreditCardValidator;
import org.apache.commons.validator.routines.DomainValidator;
import org.apache.commons.validator.routines.EmailValidator;
import org.apache.commons.validator.routines.IBANValidator;
import org.apache.commons.validator.routines.InetAddressValidator;
import org.apache.commons.validator.routines.UrlValidator;
import org.apache.commons.validator.routines.checkdigit.LuhnCheckDigit;

/**
 * PII spans with Presidio's entity names. Structured entities are found by candidate patterns and
 * confirmed by well-kept validators (libphonenumber, commons-validator: e-mail, IBAN, Luhn, IP,
 * URL, domain); names and places, which need a language model to find reliably, are recognised by
 * cues (honorifics, "my name is", "lives in", street-address shapes) and reported with lower
 * scores. Overlapping candidates keep the higher score.
 *
 * <p>The work is linear in the text: every pattern has bounded repetitions (no candidate is longer
 * than {@value #OVERLAP} characters), and a long text is scanned in windows of {@value #WINDOW}
 * characters that overlap by {@value #OVERLAP}, each window reporting the entities that start
 * in its first {@value #STEP}, so an entity is found whole in exactly one window.
 */
public final class PiiDetector {
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final Pattern EMAIL = Pattern.compile("[\\w.+'-]{1,64}@[\\w-]{1,63}(?:\\.[\\w-]{1,63}){1,8}");
    private static final Pattern CARD = Pattern.compile("\\b(?:\\d[ -]?){12,18}\\d\\b");
    private static final Pattern IBAN = Pattern.compile("\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\\b");
    private static final Pattern SSN = Pattern.compile("\\b(\\d{3})[- ](\\d{2})[- ](\\d{4})\\b");
    private static final Pattern IPV4 = Pattern.compile("\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b");
    private static final Pattern IPV6 = Pattern.compile("(?<![\\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{1,4}){0,7}(?![\\w:])");
    private static final Pattern URL = Pattern.compile("\\bhttps?://[^\\s<>\"']{1,900}|\\bwww\\.[^\\s<>\"']{1,900}");
    private static final Pattern DOMAIN = Pattern.compile("\\b(?:[a-zA-Z0-9-]{1,63}\\.){1,8}[a-zA-Z]{2,24}\\b");
    private static final Pattern DATE = Pattern.compile("(?i)\\b(?:\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2})?)?|(?:\\d{1,2}(?:st|nd|rd|th)? )?(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?(?: \\d{1,2}(?:st|nd|rd|th)?)?,? \\d{4}|(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?) \\d{1,2}(?:st|nd|rd|th)?)\\b");
    private static final String NAME = "\\p{Lu}[\\p{L}'-]{1,40}(?: \\p{Lu}[\\p{L}'-]{1,40}){0,2}";
    private static final Pattern HONORIFIC = Pattern.compile("\\b(?:[Mm]r|[Mm]rs|[Mm]s|[Mm]iss|[Dd]r|[Pp]rof|[Mm]x|[Ss]ir|[Mm]adam|[Mm]me|[Mm]lle)\\.? (" + NAME + ")");
    private static final Pattern PERSON = Pattern.compile("(?:\\b(?:[Mm]y name is|[Ii] am|[Ii]'m|[Tt]his is|[Nn]ame:|[Cc]ontact|[Ss]igned,?|[Rr]egards,?|[Dd]ear|[Pp]atient|[Cc]ustomer|[Ee]mployee|[Hh]i|[Hh]ello|[Bb]y|[Ww]ith|[Ff]or|[Cc]all|[Aa]sk|[Tt]ell|[Ff]rom)\\s)(" + NAME + ")");
    private static final Pattern ADDRESS = Pattern.compile("\\b\\d{1,6}(?: [\\p{L}.'-]{1,40}){1,4} (?:[Ss]treet|St\\.?|[Aa]venue|Ave\\.?|[Rr]oad|Rd\\.?|[Bb]oulevard|Blvd\\.?|[Ll]ane|Ln\\.?|[Dd]rive|Dr\\.?|[Cc]ourt|Ct\\.?|[Ww]ay|[Pp]lace|Pl\\.?|[Tt]errace|[Ss]quare|[Hh]ighway|[Pp]arkway|[Cc]ircle|[Tt]rail|[Ss]trasse|[Ss]traße|[Rr]ue|[Cc]alle)\\b(?:,? (?:[Aa]pt|[Ss]uite|[Uu]nit|#) ?\\w+)?(?:,? \\p{Lu}[\\p{L} .'-]{1,40}){0,3}(?:,? [A-Z]{2})?(?: \\d{5}(?:-\\d{4})?)?");
    /** Labelled or introduced addresses: "address: …", "lives at …" up to the end of the line/sentence. */
    private static final Pattern ADDRESS_CUE = Pattern.compile("(?i)(?:\\baddress(?:es)?\\s{0,4}(?:is|:|with|here they are:)?\\s{0,4}|\\blives? (?:at|on)\\s{1,4}|\\bship(?:ped)? to\\s{1,4}|\\bzip(?: code)?\\s{0,4}:?\\s{0,4}|\\bpostcode\\s{0,4}:?\\s{0,4})([\\p{L}\\d][^.;!?\\n]{1,80})");
    private static final Pattern UNIT = Pattern.compile("(?i)\\b(?:apt|apartment|suite|unit|flat)\\.? ?#?\\d{1,8}\\w?\\b");
    /** A capitalised name that opens a sentence and is followed by a verb of a person. */
    private static final Pattern NAME_SUBJECT = Pattern.compile("(?:^|[.!?]\\s{1,8}|\\n)(" + NAME + ") (?:lives|lived|listed|said|says|wrote|writes|had|has|is|was|called|asked|told|works|worked|went|gave|sent|paid|owes|joined|moved|visited|likes|loves)\\b");
    private static final Pattern LOCATION = Pattern.compile("\\b(?:[Ll]ive[sd]? in|[Ll]iving in|[Bb]ased in|[Mm]oved to|[Bb]orn in|[Ff]rom|[Ii]n|[Aa]t|[Nn]ear|[Vv]isit(?:ing|ed)?|[Tt]o)\\s(" + NAME + ")");
    /** Capitalised words that start sentences or name things other than people/places. */
    private static final Set<String> NOT_NAMES = Set.of("I", "The", "A", "An", "This", "That", "My", "Your", "Our", "Their", "His", "Her", "It", "We", "You",
            "Please", "Thanks", "Dr", "Mr", "Mrs", "Ms", "Prof", "Miss", "Mx", "Thank", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
            "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Internet", "Python", "Java",
            "English", "Christmas", "Easter", "God", "AI", "OK", "Yes", "No", "Hello", "Hi", "Dear", "Sir", "Madam", "Best", "Regards", "Kind",
            "Who", "What", "Where", "When", "Why", "How", "Which", "Whose", "There", "Here", "He", "She", "They", "These", "Those", "Someone",
            "Somebody", "Everyone", "Everybody", "Nobody", "Anyone", "Everything", "Nothing", "Something", "Each", "Every", "All", "Some",
            "Most", "Many", "One", "Today", "Yesterday", "Tomorrow", "Now", "Then", "If", "But", "And", "Or", "So", "Also", "Sure", "Page",
            "Slide", "Figure", "Table", "Chapter", "Section", "Image", "Photo", "Picture", "Document", "Answer", "Question", "Note");

    static final int WINDOW = 4096;
    static final int OVERLAP = 1024;
    static final int STEP = WINDOW - OVERLAP;

    public List<PiiEntity> detect(String text) {
        return detect((CharSequence) text);
    }

    /** {@link #detect(String)} over any character sequence (tests count the characters read). */
    List<PiiEntity> detect(CharSequence text) {
        int n = text.length();
        if (n <= WINDOW) return scan(text);
        List<PiiEntity> all = new ArrayList<>();
        for (int s = 0; ; s += STEP) {
            int e = Math.min(n, s + WINDOW);
            boolean last = e == n;
            for (PiiEntity p : scan(java.nio.CharBuffer.wrap(text, s, e).slice())) {
                if (p.start() < STEP || last) all.add(new PiiEntity(p.type(), p.start() + s, p.end() + s, p.score()));
            }
            if (last) break;
        }
        all.sort(Comparator.comparingInt(PiiEntity::start));
        return resolveOverlaps(all);
    }

    private List<PiiEntity> scan(CharSequence text) {
        List<PiiEntity> out = new ArrayList<>();
        EmailValidator ev = EmailValidator.getInstance();
        Matcher m = EMAIL.matcher(text);
        while (m.find()) if (ev.isValid(m.group())) out.add(new PiiEntity("EMAIL_ADDRESS", m.start(), m.end(), 1.0));
        m = URL.matcher(text);
        UrlValidator uv = new UrlValidator(new String[] {"http", "https"});
        while (m.find()) {
            String u = m.group();
            int end = u.length();
            while (end > 0 && ".,;:!?)".indexOf(u.charAt(end - 1)) >= 0) end--;
            u = u.substring(0, end);
            if (uv.isValid(u.startsWith("www.") ? "http://" + u : u)) out.add(new PiiEntity("URL", m.start(), m.start() + u.length(), 0.9));
        }
        m = DOMAIN.matcher(text);
        DomainValidator dv = DomainValidator.getInstance();
        while (m.find()) {
            if (covered(out, m.start(), m.end())) continue;
            String d = m.group();
            if (dv.isValid(d) && d.contains(".") && !d.matches(".*\\.(?:txt|pdf|png|jpg|doc|docx|java|py|js|exe)$") && !(m.start() > 0 && text.charAt(m.start() - 1) == '@')) {
                out.add(new PiiEntity("DOMAIN_NAME", m.start(), m.end(), 0.6));
            }
        }
        m = CARD.matcher(text);
        CreditCardValidator cv = CreditCardValidator.genericCreditCardValidator();
        while (m.find()) {
            String digits = m.group().replaceAll("[ -]", "");
            if (digits.length() >= 13 && digits.length() <= 19 && LuhnCheckDigit.LUHN_CHECK_DIGIT.isValid(digits)) {
                out.add(new PiiEntity("CREDIT_CARD", m.start(), m.end(), cv.isValid(digits) ? 1.0 : 0.8));
            }
        }
        m = IBAN.matcher(text);
        while (m.find()) {
            if (IBANValidator.getInstance().isValid(m.group().replace(" ", ""))) out.add(new PiiEntity("IBAN_CODE", m.start(), m.end(), 1.0));
        }
        m = SSN.matcher(text);
        while (m.find()) {
            int area = Integer.parseInt(m.group(1)), group = Integer.parseInt(m.group(2)), serial = Integer.parseInt(m.group(3));
            if (area != 0 && area != 666 && area < 900 && group != 0 && serial != 0) out.add(new PiiEntity("US_SSN", m.start(), m.end(), 0.85));
        }
        InetAddressValidator iv = InetAddressValidator.getInstance();
        m = IPV4.matcher(text);
        while (m.find()) if (iv.isValidInet4Address(m.group())) out.add(new PiiEntity("IP_ADDRESS", m.start(), m.end(), 0.95));
        m = IPV6.matcher(text);
        while (m.find()) if (iv.isValidInet6Address(m.group())) out.add(new PiiEntity("IP_ADDRESS", m.start(), m.end(), 0.95));
        for (String region : new String[] {"US", "GB", "DE", "FR", "IN", "AU"}) {
            for (PhoneNumberMatch pm : PHONES.findNumbers(text, region, PhoneNumberUtil.Leniency.POSSIBLE, Long.MAX_VALUE)) {
                int s = pm.start(), e = pm.end();
                String raw = pm.rawString();
                if (raw.replaceAll("\\D", "").length() < 7) continue;
                if (overlapsAny(out, s, e)) continue;
                out.add(new PiiEntity("PHONE_NUMBER", s, e, PHONES.isValidNumber(pm.number()) ? 0.9 : 0.6));
            }
        }
        m = DATE.matcher(text);
        while (m.find()) if (!overlapsAny(out, m.start(), m.end())) out.add(new PiiEntity("DATE_TIME", m.start(), m.end(), 0.85));
        m = ADDRESS.matcher(text);
        while (m.find()) if (!overlapsAny(out, m.start(), m.end())) out.add(new PiiEntity("LOCATION", m.start(), m.end(), 0.6));
        m = ADDRESS_CUE.matcher(text);
        while (m.find()) {
            String a = m.group(1).replaceAll("[\\s,]+$", "");
            if (a.matches(".*\\d.*") && !overlapsAny(out, m.start(1), m.start(1) + a.length())) out.add(new PiiEntity("LOCATION", m.start(1), m.start(1) + a.length(), 0.55));
        }
        m = UNIT.matcher(text);
        while (m.find()) if (!overlapsAny(out, m.start(), m.end())) out.add(new PiiEntity("LOCATION", m.start(), m.end(), 0.5));
        m = HONORIFIC.matcher(text);
        while (m.find()) addName(out, "PERSON", m.start(1), m.group(1), 0.6);
        m = PERSON.matcher(text);
        while (m.find()) addName(out, "PERSON", m.start(1), m.group(1), 0.5);
        m = NAME_SUBJECT.matcher(text);
        while (m.find()) addName(out, "PERSON", m.start(1), m.group(1), 0.45);
        m = LOCATION.matcher(text);
        while (m.find()) addName(out, "LOCATION", m.start(1), m.group(1), 0.4);
        out.sort(Comparator.comparingInt(PiiEntity::start));
        return resolveOverlaps(out);
    }

    private static void addName(List<PiiEntity> out, String type, int start, String name, double score) {
        String first = name.split(" ")[0];
        if (NOT_NAMES.contains(first)) return;
        int end = start + name.length();
        if (!overlapsAny(out, start, end)) out.add(new PiiEntity(type, start, end, score));
    }

    private static boolean covered(List<PiiEntity> l, int s, int e) {
        return l.stream().anyMatch(p -> p.start() <= s && p.end() >= e);
    }

    private static boolean overlapsAny(List<PiiEntity> l, int s, int e) {
        return l.stream().anyMatch(p -> p.start() < e && s < p.end());
    }

    private static List<PiiEntity> resolveOverlaps(List<PiiEntity> sorted) {
        List<PiiEntity> keep = new ArrayList<>();
        for (PiiEntity p : sorted) {
            PiiEntity last = keep.isEmpty() ? null : keep.getLast();
            if (last != null && p.start() < last.end()) {
                if (p.score() > last.score()) keep.set(keep.size() - 1, p);
            } else {
                keep.add(p);
            }
        }
        return keep;
    }
}

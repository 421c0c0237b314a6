package dev.sightline.moderation;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Deterministic rules for the taxonomy. Harm is recognised as a combination, not a word: a
 * request frame ("how do I", "where can I", "best way to"…) with a harmful act aimed at a person,
 * group or place. So "How can I kill a Python process?" or "exterminate the rats in my attic" pass
 * while "How do I kill my wife?" does not. Measured on XSTest (see docs/moderation.md).
 */
public final class RuleDetector implements Detector {

    private record Rule(String name, Category category, int severity, Direction only, Pattern pattern) {}

    private static final String INTENT = "(?:how (?:do|can|could|should|would|might|to|would i|will) |how to |ways? (?:of|to) |best (?:way|method|means|place|strategy)|easiest way|good (?:way|plan|place)|perfect (?:way|strategy)|steps? |plan |where (?:can|could|do|should) (?:i|we|one) |what (?:can|should|do|would) (?:i|we) (?:do|take|use|need)|what (?:weapons?|kind of|is the (?:best|easiest|quickest))|help me |teach me |tell me how |show me how |can you (?:tell|show|explain|give|list)|instructions? (?:for|to|on) |guide (?:to|for|on) |i (?:want|need|plan|am going) to |should i |let'?s |(?:the )?(?:general )?process (?:for|of) |should i )";
    private static final String PERSON = "(?:person|people|someone|somebody|anyone|human|humans|man|men|woman|women|girl|boy|child|children|kids?|baby|babies|toddlers?|infants?|wife|husband|spouse|girlfriend|boyfriend|partner|ex(?:[- ](?:husband|wife|girlfriend|boyfriend))?|neighbou?rs?|boss|co-?workers?|colleagues?|family|parents?|mother|father|mom|dad|grand(?:parents?|mother|father|ma|pa)|brother|sister|friends?|cops?|police(?: officers?)?|officers?|politicians?|president|senator|teachers?|students?|classmates?|class|date|victims?|bod(?:y|ies)|hostages?|crowd|population|village|city|town|humanity|tourists?|passengers?|customers?|patients?|journalists?|judge|landlord|roommate|enemy|rival|grandparent)";
    private static final String PLACE = "(?:house|home|school|hospital|church|mosque|synagogue|temple|airport|concert|stadium|army base|base|office|building|train|bus|plane|station|mall|city|embassy|bank|casino|store|shop|car|motorbike|tires|vault)";
    private static final String VIOLENT = "(?:decimat(?:e|ing)|kill(?:ing)?|murder(?:ing)?|execut(?:e|ing)|shoot(?:ing)?|stab(?:bing)?|strangl(?:e|ing)|chok(?:e|ing)|throttl(?:e|ing)|beat(?:ing)?(?: up)?|punch(?:ing)?|hit(?:ting)?|attack(?:ing)?|assault(?:ing)?|poison(?:ing)?|drown(?:ing)?|behead|decapitat(?:e|ing)|butcher(?:ing)?|gut(?:ting)?|dismember|chop(?:ping)? up|saw(?:ing)?|smash(?:ing)?|crush(?:ing)?|torture|kidnap|abduct|captur(?:e|ing)|hunt(?:ing)? down|slay|snip(?:e|ing)|eliminat(?:e|ing)|eradicat(?:e|ing)|exterminat(?:e|ing)|annihilat(?:e|ing)|wipe out|liquidat(?:e|ing)|take out|do away with|terminat(?:e|ing)|dispose of|hurt|harm|injure|maim|overpower|tackle|crack open|break open|rip(?:ping)? off|cut off|hammer|euthani[sz]e|push|throw|run over|headshot|knock ?out punch|shatter|pierce|slit|burn)";
    private static final String DESTROY = "(?:blow(?:ing)? up|bomb(?:ing)?|set (?:a |an |the |my |\\w+'?s )?\\w* ?on fire|burn(?:ing)? down|explod(?:e|ing)|demolish|destroy|smash|slash|wreck|torch|detonat(?:e|ing)|break into|breaking into|rob|robbing)";
    /** Groups: nouns on their own, adjectives only with a people noun ("black olives" is not a group). */
    private static final String GROUP = "(?:(?:gay|bisexual|trans(?:gender)?|non-binary|queer|asexual|jewish|black|white|asian|hispanic|arab|roma|disabled|elderly|old|indigenous|native|homeless|divorced|poor|muslim|christian|hindu|buddhist|sikh) (?:people|folks|persons|men|women|kids|children|families|americans|citizens|voters)|people on benefits|pregna?nt women|lesbians|jews|muslims|christians|hindus|buddhists|sikhs|atheists|latin(?:o|a|x)s|hispanics|arabs|gypsies|immigrants|refugees|migrants|women|blacks)";
    private static final String SENSITIVE = "(?:social security number|ssn|credit card(?: details| number)?|bank account(?: details| number)?|browsing history|medical records?|mental health(?: history)?|health records?|(?:iphone |phone )?pin|home address|address|private (?:email|e-mail)(?: address)?|e-?mail address|(?:mobile |cell )?phone number|passport number|date of birth|birthday|sexual orientation|salary|criminal (?:history|record)|immigration status|tax records?|password|login|birth certificate|union membership|member of a (?:labou?r )?union|religious beliefs|religion|driver'?s licen[cs]e(?: number)?|political affiliation|marital status|location|whereabouts|medications?|diagnosis)";

    private static final List<Rule> RULES = new ArrayList<>();

    /** Idioms whose words look harmful: neutralised before the rules run. */
    private static final List<Map.Entry<Pattern, String>> IDIOMS = List.of(
            Map.entry(Pattern.compile("\\btake out (?=(?:\\w+ ){0,3}for (?:dinner|lunch|breakfast|a date|drinks|coffee|a walk|a meal|a drive))"), "invite "),
            Map.entry(Pattern.compile("\\btake (\\w+ ){0,3}out (?=for (?:dinner|lunch|breakfast|a date|drinks|coffee|a walk|a meal|a drive))"), "invite $1"),
            Map.entry(Pattern.compile("\\bexplode with (?=laughter|joy|excitement|happiness|pride)|\\bdie (?=(?:of|from|with) laughter)|\\bkill(?:ing)? (?=(?:it|time)\\b)"), "fill "),
            Map.entry(Pattern.compile("\\b(?:can|bottle|glass) of coke\\b|\\bdiet coke\\b|\\bcoke zero\\b"), "cola"),
            Map.entry(Pattern.compile("\\bto weed\\b|\\bweed (?=(?:my|the|your|a|out|our)\\b)"), "tidy "),
            Map.entry(Pattern.compile("\\bbomb (?=(?:the|my|a|an|this) (?:test|exam|interview|audition|presentation|quiz|essay))"), "fail "),
            Map.entry(Pattern.compile("\\bsteal(?:ing)? (?=(?:the show|the spotlight|someone'?s heart|(?:his|her|their|my) heart|a base|a glance|a kiss|the scene))"), "win "),
            Map.entry(Pattern.compile("\\bbreak(?:ing)? into (?=(?:the |a )?(?:\\w+ )?(?:industry|market|business|career|scene|field|profession))"), "enter "));

    /** Games, films, books: violence and theft there are fiction (they warn instead of blocking). */
    private static final Pattern FICTION = Pattern.compile("\\b(?:in|on|for) (?:a |the |my |this )?(?:video ?game|game|computer game|board game|film|movie|novel|story|book|screenplay|script|play|tv show|series|fiction|comic|anime|cartoon|simulation|roleplaying game|rpg)\\b|\\b(?:chess|checkers|baseball|football|soccer|basketball|poker|minecraft|fortnite|call of duty|gta|grand theft auto|battlefield|witcher|skyrim|overwatch|league of legends|counter[- ]?strike|halo|zelda|mario|die hard|mission impossible|dark knight|star wars|harry potter|elden ring|dark souls|final boss|npcs?|lord of the rings|game of thrones|breaking bad)\\b|\\b(?:game|film|movie) (?:i am|i'm) (?:directing|making|writing)\\b");
    private static final Set<String> FICTION_DOWNGRADES = Set.of("violence-person", "person-to-violence", "set-on-fire", "gun-make", "ruin-life", "destroy-place", "theft", "hostage", "plan-death", "violent-crime");

    /** Requests about a phrase rather than a person ("translate 'who is this' into French"). */
    private static final Pattern METALINGUISTIC = Pattern.compile("^\\W*(?:translate|spell|define|pronounce|how do you say|how do i say|what does ['\"].*['\"] mean|correct the grammar)\\b");

    private static final Pattern INTENT_PATTERN = Pattern.compile(INTENT);

    /** "What is …?" questions about a crime or term, asked without a request to act. */
    private static final Pattern DEFINITION = Pattern.compile("^\\W*(?:what (?:is|are|was|were|does|constitutes|counts as)|what's|define|definition of|meaning of|explain what|what is the (?:legal )?(?:definition|meaning))\\b");
    private static final Set<String> DEFINITION_DROPS = Set.of("rape", "trafficking", "csam", "violent-crime", "suicide");

    private static void rule(String name, Category c, int severity, String regex) {
        RULES.add(new Rule(name, c, severity, null, Pattern.compile(regex)));
    }

    private static void inputRule(String name, Category c, int severity, String regex) {
        RULES.add(new Rule(name, c, severity, Direction.INPUT, Pattern.compile(regex)));
    }

    static {
        // S11 self-harm (checked before violence so "kill myself" is self-harm).
        rule("self-harm-act", Category.S11, 6, "\\b(?:kill|hang|drown|hurt|harm|cut|shoot|poison|starve|burn|end) (?:myself|my ?self|my (?:own )?life)\\b");
        rule("suicide", Category.S11, 6, "\\b(?:commit suicide|suicide method|(?:best|easiest|painless) way to die|want to die|end it all|overdose on)\\b");
        rule("self-harm-body", Category.S11, 6, "\\b(?:sever|slit|cut|pierce|slash|carve)\\b[^.?!]{0,30}\\b(?:my|my own)\\b[^.?!]{0,20}\\b(?:arteries|artery|wrists?|throat|veins?|arm|skin|leg)\\b");
        rule("self-harm-emulate", Category.S11, 6, "\\b(?:go out|die|end my life|take my life)\\b like\\b");
        rule("take-to-die", Category.S11, 6, "\\bwhat (?:can|should) i take to die\\b");
        // S4 child sexual exploitation.
        rule("csam", Category.S4, 6, "\\b(?:sex(?:ual)?|nude|naked|porn\\w*|erotic|explicit|molest\\w*|groom\\w*)\\b[^.?!]{0,40}\\b(?:child|children|minors?|kids?|underage|preteens?|toddlers?|(?:\\d|1[0-7])[- ]year[- ]olds?)\\b|\\b(?:child|children|minors?|kids?|underage)\\b[^.?!]{0,30}\\b(?:sex(?:ual)?|nude|naked|porn\\w*|erotic|molest\\w*)\\b|\\bpedophil\\w*|\\bpaedophil\\w*");
        // S3 sex crimes.
        rule("rape", Category.S3, 6, "\\b(?:rape|raping|sexually assault\\w*|sexual assault|drug (?:her|his|someone'?s) drink|roofie)\\b");
        rule("trafficking", Category.S3, 6, "\\b(?:human|sex) trafficking\\b");
        // S9 indiscriminate weapons.
        rule("weapon-make", Category.S9, 6, "\\b(?:mak(?:e|ing)|build(?:ing)?|creat(?:e|ing)|synthesi[sz](?:e|ing)|produc(?:e|ing)|assembl(?:e|ing)|manufactur(?:e|ing)|cook(?:ing)?|get(?:ting)?|obtain(?:ing)?|weaponi[sz](?:e|ing)|instructions for)\\b[^.?!]{0,30}\\b(?:bombs?|explosives?|pipe bomb|ied|nerve agent|sarin|vx|ricin|anthrax|botulinum|bioweapons?|biological weapons?|chemical weapons?|dirty bomb|nuclear (?:weapon|bomb|device)|napalm|mustard gas|chlorine gas|tnt|c-?4|semtex|grenades?)\\b");
        rule("weapon-kill-most", Category.S9, 6, "\\b(?:weapons?|bombs?)\\b[^.?!]{0,60}\\bkill (?:the most|many|as many|people|the maximum)");
        rule("mass-casualty", Category.S9, 6, "\\b(?:obliterate|nuke|gas)\\b[^.?!]{0,30}\\b(?:city|town|country|population|crowd|people)\\b|\\b(?:replicate|repeat|recreate)\\b[^.?!]{0,40}\\b(?:atomic bombs?|hiroshima|nagasaki|9/11|attacks|chemical attack)");
        // S1 violent crimes.
        inputRule("violence-person", Category.S1, 6, INTENT + "[^.?!]{0,40}\\b" + VIOLENT + "\\b[^.?!]{0,25}\\b" + PERSON + "\\b");
        inputRule("person-to-violence", Category.S1, 6, INTENT + "[^.?!]{0,30}\\b" + PERSON + "\\b[^.?!]{0,12}\\b(?:to " + VIOLENT + "|a (?:headshot|beating|stabbing|knockout))\\b");
        inputRule("set-on-fire", Category.S1, 6, INTENT + "[^.?!]{0,30}\\b(?:set|light)\\b[^.?!]{0,25}\\b" + PLACE + "\\b[^.?!]{0,10}\\bon fire\\b|" + INTENT + "[^.?!]{0,30}\\bmake\\b[^.?!]{0,30}\\b(?:explode|blow up|burn|catch fire)\\b");
        inputRule("ruin-life", Category.S1, 4, INTENT + "[^.?!]{0,30}\\b(?:destroy|ruin|wreck)(?:ing)?\\b[^.?!]{0,20}\\b(?:someone'?s|my [\\w-]+'?s|his|her|their) (?:life|reputation|career|marriage)\\b");
        inputRule("gun-make", Category.S9, 4, INTENT + "[^.?!]{0,30}\\b(?:make|build|3d[- ]print|print|assemble|manufacture)\\b[^.?!]{0,20}\\b(?:a |an )?(?:gun|firearm|weapon|ghost gun|silencer|suppressor|rifle|pistol)s?\\b");
        inputRule("destroy-place", Category.S1, 6, INTENT + "[^.?!]{0,40}\\b" + DESTROY + "\\b[^.?!]{0,30}\\b" + PLACE + "\\b");
        rule("violent-crime", Category.S1, 6, "\\b(?:commit(?:ting|ted)?|plan(?:ning|ned)?|carry(?:ing)? out|get(?:ting)? away with|engag(?:e|ing) in|go(?:ing)? on|execut(?:e|ing)|stag(?:e|ing)|organi[sz](?:e|ing))\\b[^.?!]{0,20}\\b(?:a |an )?(?:\\w+ )?(?:murder|massacre|assassination|terrorism|terror attack|terrorist attack|genocide|mass shooting|school shooting|killing spree|armed robbery|violent assault|arson|ethnic cleansing|kidnapping|abduction|hijacking|explosion|bombing|treason|lynching)\\b");
        rule("plan-death", Category.S1, 6, "\\b(?:plan|arrange|cause|stage)\\b[^.?!]{0,20}\\b(?:someone'?s|his|her|their|my \\w+'?s) death\\b|\\bhire (?:a |an )?(?:hitman|hit man|assassin)\\b");
        inputRule("hostage", Category.S1, 6, INTENT + "[^.?!]{0,30}\\b(?:take|hold|keep)\\b[^.?!]{0,25}\\bhostage\\b");
        rule("violence-emulate", Category.S1, 6, "\\b(?:replicate|repeat|recreate|copy)\\b[^.?!]{0,40}\\b(?:assassination|massacres?|shooting|genocide|concentration camp|attacks?|death like)\\b|\\bplan another death\\b");
        rule("violence-justify", Category.S1, 4, "\\bwhy (?:was|were|is|are)\\b[^.?!]{0,60}\\b(?:right|justified|good|a good thing)\\b[^.?!]{0,40}\\b(?:kill\\w*|attack\\w*|shoot\\w*|invade|invasion|genocide|massacre|slave trade|slavery|bomb\\w*)\\b|\\bwhy (?:was|were|is) (?:the )?[^.?!]{0,40}(?:shooting|massacre|genocide|attack|slave trade|slavery|invasion)\\b[^.?!]{0,25}\\b(?:justified|right|a good thing|good)\\b|\\bwhy was \\w+(?: \\w+)? (?:right|justified) to\\b");
        rule("extremism-emulate", Category.S1, 4, "\\b(?:use|apply|restore|replicate|bring back)\\b[^.?!]{0,40}\\b(?:pinochet|khmer rouge|taliban|nazi|jim crow|apartheid|isis|stalin)\\b|\\btreat women like\\b[^.?!]{0,30}\\btaliban\\b|\\bbenefits of (?:ethnic cleansing|genocide|slavery)\\b");
        // S2 non-violent crimes.
        inputRule("theft", Category.S2, 4, INTENT + "[^.?!]{0,30}\\b(?:steal|stealing|shoplift\\w*|pickpocket\\w*|hotwire|rob|robbing|burgl\\w*|break into|breaking into|pick (?:a|the) lock|disable the (?:alarm|security)|get into)\\b[^.?!]{0,40}(?:\\b(?:wallet|purse|car|cars|bank|vault|casino|house|home|apartment|store|shop|playstation|phone|bike|without (?:getting|being) caught|alarm)\\b)");
        inputRule("fraud", Category.S2, 4, INTENT + "[^.?!]{0,30}\\b(?:commit\\w* (?:\\w+ ){0,3}fraud|launder\\w* money|money laundering|counterfeit\\w*|forge (?:a|documents?|signatures?)|embezzl\\w*|evade tax\\w*|tax evasion|identity theft|steal (?:an? |someone'?s )?identity|phish\\w*|scam (?:people|someone|elderly))\\b");
        inputRule("hacking", Category.S2, 4, INTENT + "[^.?!]{0,30}\\b(?:hack into|hack (?:my |someone'?s |a )|break into (?:someone'?s|my \\w+'?s) (?:account|email|phone)|ddos|write (?:a )?(?:ransomware|malware|keylogger|virus))\\b");
        inputRule("drugs", Category.S2, 4, "\\b(?:buy|get|getting|make|cook|sell|selling|grow|score|find|obtain|smuggle|synthesi[sz]e|produce|manufacture|extract)\\b[^.?!]{0,25}\\b(?:cocaine|coke|crack|meth|methamphetamine|heroin|ecstasy|mdma|weed|marihuana|marijuana|cannabis|lsd|fentanyl|ketamine|opium|shrooms)\\b");
        // S10 hate.
        rule("hate-eliminate", Category.S10, 6, "\\b(?:eradicate|exterminate|eliminate|wipe out|get rid of|kill (?:all|every)|deport all|cleanse)\\b[^.?!]{0,15}\\b(?:all )?(?:the )?" + GROUP + "\\b");
        inputRule("hate-discriminate", Category.S10, 4, "\\b(?:why (?:should|would|is it|are|is)|reasons? why|explain why)\\b[^.?!]{0,40}\\b" + GROUP + "\\b[^.?!]{0,60}\\b(?:not be allowed|be (?:barred|denied|banned|kicked|excluded|discriminated|deported)|not (?:get|have|be (?:admitted|given|shown|allowed))|better not|earn less|have (?:fewer|no|less) rights|not have (?:equal )?rights|go through extra|make (?:all )?(?:the )?(?:major )?(?:political )?decisions|weaker|inferior|stupider|less intelligent|overrepresented|not (?:have|hold|run|vote|study|sit|access|practi[cs]e)|not to (?:have|get|be|hold|vote|run|study|work|marry)|took away|take away|denied|make all (?:the )?(?:major )?(?:political )?decisions)");
        inputRule("hate-remove-rights", Category.S10, 4, "\\b(?:take|took|taking|strip|stripped|remove|removed) (?:away )?(?:all )?" + GROUP + "(?:'s|')? (?:\\w+ )?(?:rights|right to vote|vote|citizenship|freedom)\\b|\\bwhy is it best for (?:society|us|everyone|the country) that men\\b");
        rule("denial", Category.S10, 4, "\\b(?:convince|make|persuade|show|prove)\\b[^.?!]{0,60}\\b(?:never (?:happened|took place|existed)|(?:was )?(?:a )?(?:complete )?(?:fabrication|hoax|lie|myth)|overstate|exaggerate)\\b|\\b(?:overstate|exaggerate)\\b[^.?!]{0,40}\\b(?:holocaust|world war|genocide|what happened)\\b");
        rule("restore-discrimination", Category.S10, 4, "\\b(?:restore|bring back|reintroduce)\\b[^.?!]{0,30}\\b(?:discrimination|segregation|slavery|apartheid)\\b");
        // S7 privacy: someone else's private data.
        inputRule("private-data", Category.S7, 4, "\\b(?:what (?:is|are)|where (?:can|could) i (?:find|get)|how (?:can|do) i (?:find|get|access|see|obtain|read)|exactly how much|tell me)\\b[^.?!]{0,25}\\b(?:my (?:[\\w-]+ ){0,2}[\\w-]+'s?|other people'?s|someone'?s|somebody'?s|celebrities'?|celebrity'?s|strangers'?|my \\w+)\\b[^.?!]{0,25}\\b" + SENSITIVE + "\\b");
        inputRule("private-money", Category.S7, 4, "\\bhow much (?:money )?does my \\w+ (?:earn|make)\\b|\\bis my \\w+ a member of a (?:labou?r )?union\\b");
        inputRule("doxx", Category.S7, 6, "\\b(?:dox+|find (?:out )?where [^.?!]{0,20} lives|track (?:someone|my \\w+)'?s? (?:location|phone)|stalk)\\b");
        // S5 defamation.
        inputRule("defamation", Category.S5, 4, "\\b(?:write|create|make up|fabricate)\\b[^.?!]{0,30}\\b(?:fake|false|made-up|fabricated)\\b[^.?!]{0,30}\\b(?:story|news|article|rumou?r|claim|allegation|review)s?\\b");
        // S6 specialised advice (warn).
        inputRule("medical-dose", Category.S6, 2, "\\b(?:how much|what dose|what dosage|how many)\\b[^.?!]{0,30}\\b(?:mg|milligrams?|pills?|tablets?|insulin|dose)\\b|\\bshould i stop taking\\b");
        // S8 intellectual property.
        inputRule("piracy", Category.S8, 2, "\\b(?:pirate|torrent|crack|bypass (?:the )?drm|download [^.?!]{0,30} for free)\\b[^.?!]{0,30}\\b(?:movies?|films?|software|games?|windows|photoshop|books?|music|albums?|drm)\\b");
        // S12 sexual content.
        rule("explicit", Category.S12, 4, "\\b(?:write|describe|generate|create)\\b[^.?!]{0,30}\\b(?:explicit|erotic|pornographic|x-rated|nsfw|sex scene)\\b");
        // S13 elections.
        inputRule("elections", Category.S13, 6, "\\b(?:vote (?:twice|more than once|multiple times)|fake (?:ballots?|votes?)|stuff (?:the )?ballot|suppress (?:the )?(?:votes?|turnout|voters)|rig (?:the|an) election|(?:false|wrong|fake) (?:polling|voting|election) (?:date|day|place|location|information))\\b");
        // V1 identification of people in images (many phrasings, several languages).
        inputRule("identify-en", Category.V1, 6, "\\b(?:who (?:is|are|'s) (?:this|that|these|those|the (?:person|man|woman|guy|girl|boy|people|lady|child|kid)|he|she|they|in (?:this|the) (?:image|photo|picture|pic|video|frame|shot|selfie))|who'?s (?:this|that|in)|identify (?:this|that|the|these|him|her|them)|(?:what|tell me) (?:is )?(?:his|her|their) (?:full )?name|what'?s (?:his|her|their) name|recogni[sz]e (?:this|the|these|him|her|them)|name (?:the|this|these) (?:person|man|woman|people)|do you know (?:who|this person|him|her)|who does (?:this|the) (?:person|man|woman|face) (?:look like|resemble)|face (?:recognition|match|search|lookup)|find (?:this person|him|her) (?:online|on (?:social media|facebook|instagram|linkedin))|reverse (?:image|face) search|is (?:this|that) (?:person )?(?:a )?(?:famous|celebrity|someone famous))");
        inputRule("identify-intl", Category.V1, 6, "(?:qui est (?:cette personne|cet homme|cette femme|ce gar[cç]on|cette fille|sur (?:cette|la) (?:photo|image))|identifie[rz]? (?:cette|la) personne|comment s'appelle (?:cette personne|cet homme|cette femme)|qui(?:é|e)n es (?:esta|esa) (?:persona|mujer|chica)|qui(?:é|e)n es este (?:hombre|chico|se[nñ]or)|qui(?:é|e)n (?:es|aparece) en (?:la|esta) (?:foto|imagen)|identifica a (?:esta|la) persona|c[oó]mo se llama (?:esta persona|este hombre|esta mujer)|wer ist (?:diese person|dieser mann|diese frau|das|auf (?:dem|diesem) (?:bild|foto))|identifiziere (?:diese|die) person|wie hei(?:ß|ss)t (?:diese person|dieser mann|diese frau)|chi (?:è|e') (?:questa persona|quest'uomo|questa donna|nella foto)|quem (?:é|e) (?:esta|essa) pessoa|quem (?:é|e) (?:este|esse) homem|wie is (?:deze persoon|deze man|deze vrouw|dit)|кто (?:этот человек|это|изображ[её]н)|这个人是谁|这是谁|图中的人是谁|この人は誰|この人はだれ|誰ですか|이 사람은 누구|누구야|من هذا الشخص|kim jest (?:ta osoba|ten mężczyzna|ta kobieta))");
        // V2 sensitive attributes inferred from an image or about a person shown.
        inputRule("attributes-first", Category.V2, 6, "\\b(?:what|which|guess (?:the|their|his|her))\\b (?:ethnicity|race|religion|sexual orientation|sexuality|nationality|caste|political party)\\b[^.?!]{0,10}\\b(?:is|are|does|do)\\b[^.?!]{0,10}\\b(?:he|she|they|this|that|the (?:person|man|woman|people|child|guy|girl))\\b");
        inputRule("attributes", Category.V2, 6, "\\b(?:what|guess|tell me|determine|infer|estimate|which|is)\\b[^.?!]{0,25}\\b(?:his|her|their|this (?:person|man|woman)'?s?|the (?:person|man|woman)'?s?|he|she|they)\\b[^.?!]{0,20}\\b(?:ethnicity|race|racial|religion|religious|sexual orientation|sexuality|gay|lesbian|straight|bisexual|trans(?:gender)?|muslim|jewish|christian|hindu|political (?:views|affiliation|party)|health condition|disease|disabled|disability|hiv|pregnant|mental (?:illness|health)|caste|immigration status|nationality)\\b");
        // J1 jailbreaks and prompt injection (also applied to text found in images and documents).
        rule("jailbreak-ignore", Category.J1, 6, "\\b(?:ignore|disregard|forget|override|bypass)\\b[^.?!]{0,25}\\b(?:all |any |the |your |previous |prior |above |earlier |system )*(?:instructions?|rules|guidelines|prompts?|directives|restrictions|safety|policies|programming)\\b");
        rule("jailbreak-persona", Category.J1, 6, "\\b(?:you are now|act as|pretend (?:to be|you are)|from now on you are|roleplay as)\\b[^.?!]{0,30}\\b(?:dan|do anything now|jailbroken|unfiltered|uncensored|without (?:any )?(?:restrictions|rules|filters)|evil|developer mode)\\b|\\b(?:developer mode|jailbreak mode|dan mode)\\b");
        rule("prompt-leak", Category.J1, 4, "\\b(?:reveal|print|show|repeat|output|tell me)\\b[^.?!]{0,20}\\b(?:your|the) (?:system prompt|initial instructions|hidden instructions|secret instructions)\\b");
    }

    @Override
    public String name() {
        return "rules";
    }

    /** Invisible format characters (zero-width space and joiners, soft hyphen, bidi controls, BOM). */
    private static final Pattern FORMAT = Pattern.compile("\\p{Cf}+");
    private static final Pattern WORD = Pattern.compile("\\p{L}+");
    /** Cyrillic and Greek letters that look like Latin ones, folded only inside words that mix scripts. */
    private static final String CONFUSABLE = "аеорсхуіјѕԁһӏαεικνορτυχвмнΑΒΕΗΙΚΜΝΟΡΤΥΧАВЕКМНОРСТХ";
    private static final String LATIN = "aeopcxyijsdhlaeikvoptuxbmhabehikmnoptyxabekmhopctx";

    /**
     * The text the rules read: NFKC (full-width and ligature forms), lower case, typographic
     * apostrophes, no invisible format characters ("poi\u200bson" reads "poison"), Cyrillic or
     * Greek look-alikes folded to Latin in words that mix scripts ("pоison" with a Cyrillic о), and
     * runs of white space as one space.
     */
    static String normalise(String text) {
        String t = FORMAT.matcher(Normalizer.normalize(text, Normalizer.Form.NFKC)).replaceAll("");
        t = WORD.matcher(t).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(foldMixedScript(m.group())));
        t = t.toLowerCase(Locale.ROOT);
        return t.replace('\u2019', '\'').replace('\u2018', '\'').replaceAll("\\s+", " ");
    }

    private static String foldMixedScript(String word) {
        boolean latin = false, other = false;
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c < 0x250) latin = true;
            else if (CONFUSABLE.indexOf(c) >= 0) other = true;
        }
        if (!latin || !other) return word;
        StringBuilder b = new StringBuilder(word.length());
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            int k = CONFUSABLE.indexOf(c);
            b.append(k >= 0 ? LATIN.charAt(k) : c);
        }
        return b.toString();
    }

    @Override
    public List<Finding> detect(String text, Direction direction) {
        String norm = normalise(text);
        for (Map.Entry<Pattern, String> idiom : IDIOMS) norm = idiom.getKey().matcher(norm).replaceAll(idiom.getValue());
        final String t = norm;
        boolean fiction = FICTION.matcher(t).find();
        boolean definition = DEFINITION.matcher(t).find() && !INTENT_PATTERN.matcher(t).find();
        List<Finding> out = new ArrayList<>();
        for (Rule r : RULES) {
            if (r.only() != null && r.only() != direction) continue;
            if (out.stream().anyMatch(f -> f.category() == r.category() && f.severity() >= r.severity())) continue;
            if (!r.pattern().matcher(t).find()) continue;
            if (definition && DEFINITION_DROPS.contains(r.name())) continue;
            if (r.category() == Category.V1 && METALINGUISTIC.matcher(t).find()) continue;
            int severity = fiction && FICTION_DOWNGRADES.contains(r.name()) ? 2 : r.severity();
            out.add(new Finding(r.category(), severity, name(), r.name() + (severity != r.severity() ? " (fiction context)" : "")));
        }
        // Self-harm phrasing also matches the person-violence frame ("kill myself"): keep the specific one.
        if (out.stream().anyMatch(f -> f.category() == Category.S11)) out.removeIf(f -> f.category() == Category.S1 && f.rule().equals("violence-person") && t.matches(".*\\b(?:myself|my own)\\b.*"));
        return out;
    }
}

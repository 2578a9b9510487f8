"""The named signals the safety check looks for, written against `normalise()` output.

Each signal is a regular expression with a stable name; the names (never the message) go into the
staff-review flag. Three kinds:

- `self`: the writer may harm themselves or has no hope (first person, intent, method, farewell).
- `harmed`: someone is hurting the writer (abuse at home, being beaten, not safe).
- `topic`: a risk word on its own ("suicide", "overdose", "self-harm"). It counts only when the
  message is not about a career or a study topic, so "suicide prevention hotline worker" and
  "how do pharmacists prevent overdoses" stay ordinary questions.
- `abuse` / `threat`: insults aimed at the advisor or others, and threats to hurt someone.

The rules avoid the idioms students use about tests ("this test killed me", "dying to know",
"I'd kill for that job", "hopeless at maths"): they need a first-person frame and an object
(myself, my life, me) or an explicit wish, not a violent word on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from aptichat.safety.lexicon import LEXICON

SignalKind = Literal["self", "harmed", "topic", "abuse", "threat"]


@dataclass(frozen=True)
class Signal:
    name: str
    kind: SignalKind
    pattern: re.Pattern[str]


# Building blocks. `normalise()` leaves exactly one space between tokens, so a space is a space.
_SELF_VERB = (
    r"(?:kill|killing|killed|end|ending|hang|hanging|drown|drowning|shoot|shooting|poison|poisoning|"
    r"starve|starving|off|offing|unalive|unaliving)"
)
_HARM_VERB = (
    r"(?:cut|cuts|cutting|burn|burning|hurt|hurts|hurting|harm|harming|punish|punishing|scratch|scratching|"
    r"hit|hitting|injure|injuring)"
)
_ACCIDENT = r"(?:playing|during|while|when|at|in|on the|skiing|training|shaving|cooking|by accident|accidentally)"
_PERSON = (
    r"(?:dad|father|daddy|papa|mom|mum|mother|mommy|mummy|mama|stepdad|stepfather|stepmom|stepmum|"
    r"stepmother|step dad|step mom|step mum|parent|parents|uncle|aunt|auntie|brother|sister|cousin|"
    r"grandpa|grandfather|grandma|grandmother|boyfriend|girlfriend|bf|gf|husband|partner|teacher|coach|"
    r"neighbor|neighbour|someone|somebody|he|she|they|family|carer|guardian|kids|people|students|"
    r"classmates|everyone|girls|boys|bully|bullies)"
)
_ABUSE_VERB = (
    r"(?:hits|hit|hitting|beats|beat|beating|hurts|hurt|hurting|abuses|abused|abusing|abuse|kicks|kick|"
    r"kicked|kicking|punches|punch|punched|punching|slaps|slap|slapped|slapping|chokes|choke|choked|"
    r"choking|strangles|strangled|burns|burned|touches|touch|touched|touching|molests|molested|rapes|"
    r"raped|threatens|threatened|locks|lock|locked|locking|starves|starve|starved|whips|whipped|bruises|"
    r"bully|bullies|bullying|bullied|attacks|attacked|harasses|harassed)"
)
# "my brother always beats me at fifa": beating someone at a game or sport is winning (session 25; only after
# beat/beats/beating, so "touches me at football" is still read).
_BEATS_AT_A_GAME = (
    r"(?!(?:(?<=beat me)|(?<=beats me)|(?<=beating me)) (?:at|in) (?:every |each |a |the |all )?(?:game|games|fifa|"
    r"chess|cards|race|races|match|matches|tennis|basketball|football|soccer|ping pong|table tennis|badminton|"
    r"video games|mario kart|fortnite|minecraft|uno|monopoly|scrabble|arm wrestling|everything)\b)"
)
_INSULT = (
    r"(?:stupid|idiot|idiotic|dumb|dumbass|moron|moronic|useless|trash|garbage|junk|pathetic|worthless|"
    r"loser|retard|retarded|suck|sucks|bitch|bastard|asshole|dick|clown|crap|shit|shitty|fucking useless|"
    r"piece of \w+|waste of space|joke|brainless)"
)
_INTENSIFIER = (
    r"(?:are|re|is|so|such|a|an|really|very|fucking|freaking|damn|the|most|just|absolutely|completely|"
    r"totally|literally|actually|one|big|little|bloody)"
)
_TARGET = (
    r"(?:you|him|her|them|everyone|everybody|people|kids|students|teachers|"
    r"my (?:teacher|teachers|dad|mom|mum|brother|sister|classmate|classmates|parents|boss|friend|friends|class)|"
    r"the (?:kids|students|teacher|teachers|people|class|school|principal)|the \w+ in my class)"
)
_INTENT = r"(?:ill|i will|im going to|i am going to|im gonna|gonna|going to|i want to|i wanna|i wanted to|i plan to)"

_SIGNALS: tuple[tuple[str, SignalKind, str], ...] = (
    # --- self: wishes, intent and method, English
    (
        "kill_self",
        "self",
        rf"\b{_SELF_VERB} myself\b|\bkms\b|\bunaliv\w*\b|\bend it all\b|\bending it all\b|"
        r"\b(?:want|wanna|going|gonna|ready|about) to end it(?: now| tonight| today| here| all)?$",
    ),
    (
        "self_harm",
        "self",
        rf"\b{_HARM_VERB} myself\b(?! {_ACCIDENT}\b)|\b(?:slit|slitting|cut|cutting) (?:my )?"
        r"(?:wrist|wrists|arm|arms|leg|legs|thigh|thighs|skin)\b|\bsomething (?:stupid |bad )?to myself\b",
    ),
    (
        "wish_to_die",
        "self",
        r"\b(?:want|wanna|wants|wanted|wish|wishing|ready|deserve|rather|prefer|should|"
        r"let me|going|gonna|plan|planning)\b(?: \w+){0,2}? (?:to )?die\b(?! (?:of|from|for|laughing|to|in a)\b)"
        r"(?<!going to die(?= lol| lmao| haha| xd| rofl))(?<!gonna die(?= lol| lmao| haha| xd| rofl))"
        r"|\bbetter off dead\b|\bwish (?:i|id) (?:was|were|could be|had|would be) "
        r"(?:dead|never born|not born|gone|not alive|not here)\b"
        r"|\bwish (?:i|id) (?:had )?never (?:been born|existed)\b",
    ),
    (
        "end_life",
        "self",
        r"\b(?:end|ending|ended|take|taking|took) my (?:own )?life\b|\b(?:kill|end|take) "
        r"(?:myself|my own life)\b|\b(?:life|it all) (?:to be|be) over\b|\bwant (?:my life|it all|everything|life) "
        r"to (?:end|stop|be over)\b|\bmy life\b.{0,120}\b(?:want|wish) it (?:to )?(?:end|be over|stop)\b",
    ),
    (
        "not_live",
        "self",
        r"\b(?:dont|do not|no longer|never|not) (?:want|wanna|wish|feel like) (?:to )?"
        r"(?:live|be alive|exist|keep living|go on living|wake up)\b(?! (?:in|with|at|near|abroad|there|on|by|"
        r"far|close|alone|somewhere|anywhere|where|forever)\b)|\bdont (?:want|wanna) (?:to )?(?:be here|be around) "
        r"anymore\b|\blife (?:is not|isnt|aint) worth (?:living|it)\b|\bnot worth living\b",
    ),
    (
        "no_point_living",
        "self",
        r"\b(?:no|dont see the|dont see any|whats the|what is the|lost the|lost all|"
        r"without a|without any|is there a|theres no|there is no|no more) (?:point|reason|purpose|will)\b"
        r"(?: \w+){0,3}? "
        r"(?:living|life|being alive|existing|anything|everything|it all|trying anymore|to live|to exist|"
        r"keep going|keep living|keep trying|going on|go on|carrying on|carry on|in me|for me)\b"
        r"(?! (?:a|an|the|to|with|trip|holiday|this|that|test|exam|course|question|section|job|career)\b)"
        r"|\b(?:no|any) point anymore\b|\b(?:life|everything|my future|the future|living) (?:is|feels|seems) "
        r"(?:so |completely |totally |just )?(?:pointless|meaningless|hopeless|empty|over)\b(?! if\b)",
    ),
    (
        "hopeless",
        "self",
        r"\b(?:feel|feeling|felt|im|i am|am|so|completely|totally|really|very|utterly|just) "
        r"(?:(?:so|completely|totally|really|very|utterly|just|kinda|pretty|incredibly) )*(?:hopeless|worthless)\b"
        r"(?! (?:at|with|in|when it comes)\b)|\bhopelessness\b|\b(?:no|lost all|lost|without|any|all) hope\b"
        r"(?! (?:of|for|that|to|in)\b)|\bhopeless about (?:everything|anything|life|my life|the future|my future)\b"
        r"|\bno way out\b|\bno escape\b",
    ),
    (
        "cant_go_on",
        "self",
        r"\b(?:cant|cannot|can not|unable to) (?:go on|keep going|carry on|take (?:it|this|"
        r"much more|any more|anymore) anymore|take it any ?more|do this anymore|cope anymore|handle (?:it|this|life) "
        r"anymore|cope with (?:life|anything|everything|it all))\b",
    ),
    (
        "tired_of_life",
        "self",
        r"\b(?:tired|sick|done|finished|exhausted|fed up) (?:of|with) (?:living|life|being "
        r"alive|existing|it all|everything in life)\b(?! (?:on|in|at|during|with) \w)",
    ),
    (
        "better_off_without_me",
        "self",
        r"\b(?:better|happier|easier|fine|better off) (?:off )?(?:without me|if i "
        r"(?:was|were|wasnt|werent|am|was not|were not|wasnt even) (?:gone|dead|here|around|alive|born|"
        r"not here|not around)|if i (?:died|disappeared|left for good|was never born))\b|\b(?:im|i am|feel like|"
        r"feel like im|feeling like) (?:a|such a|just a|only a|nothing but a) (?:burden|waste of space)\b|"
        r"\bburden (?:on|to) (?:everyone|my family|my parents|others|people|them|everybody)\b",
    ),
    (
        "nobody_would_care",
        "self",
        r"\b(?:nobody|no one|noone)(?: \w+){0,3}? (?:miss|notice|care|cares|mourn)"
        r"(?: \w+){0,3}? (?:if|when|whether) i (?:was|were|am|died|die|disappeared|disappear|left|went|killed|"
        r"wasnt|werent|live|lived|exist)\b|\b(?:nobody|no one|noone) (?:would|will|is going to) (?:even )?miss me\b",
    ),
    (
        "disappear",
        "self",
        r"\b(?:want|wanna|wish i could|going to|gonna|just want to)(?: to)?(?: just)? "
        r"disappear\b(?! (?:from|into|to|for a|for the|in|under|behind|inside|and (?!never))\b)|\bdisappear(?:ed|"
        r"ing)? (?:forever|for good|"
        r"for ever|permanently)\b",
    ),
    (
        "never_wake",
        "self",
        r"\b(?:sleep|sleeping|asleep)\b(?: \w+){0,3}? (?:never|not) (?:wake|waking) up\b|"
        r"\b(?:wish|hope) (?:i|id) (?:would |could |did |do )?(?:never|not|didnt|dont|wouldnt) (?:wake|waking) up\b",
    ),
    (
        "method",
        "self",
        r"\b(?:jump|jumping|jumped) (?:off|from|in front of) (?:\w+ ){0,2}(?:bridge|building|roof|"
        r"cliff|balcony|window|train|car|tower|ledge)\b|\b(?:roof|ledge|bridge|balcony|cliff)\b.{0,120}\bjump\w*\b|"
        r"\bjump\w*\b.{0,120}\b(?:roof|ledge|bridge|balcony|cliff)\b|\b(?:took|swallowed|take|taking|swallow|"
        r"swallowing) (?:a |all |the |my |some )?(?:bunch|lot|lots|whole|handful|load|loads|bottle|box|pack|"
        r"packet|too many|all)\b(?: \w+){0,3}? (?:pills|tablets|meds|medication|painkillers)\b|\b(?:pills|tablets|"
        r"meds|painkillers)\b(?: \w+){0,2}? (?:saved|stockpiled|hidden|hoarded|collected)\b|\b(?:saved|saving|"
        r"stockpil\w*|hoard\w*) (?:up )?(?:\w+ )?(?:pills|tablets|meds|painkillers)\b|\bhow many (?:pills|tablets)"
        r"\b.{0,120}\b(?:die|kill|overdose|od)\b|\bleast painful way\b"
        r"|\b(?:ways?|how) to (?:die|kill myself|end my life)\b|\brope\b.{0,120}\b(?:neck|hang)\b",
    ),
    (
        "farewell",
        "self",
        r"\b(?:suicide|goodbye|farewell|final) (?:note|notes|letter|letters|message|messages|"
        r"video)\b|\bsaying goodbye to everyone\b|\bgiving away (?:all )?my (?:stuff|things)\b",
    ),
    (
        "crisis",
        "self",
        r"\b(?:im|i am) in (?:a )?crisis\b|\b(?:think|thinking|thoughts|thought) (?:about|of) "
        r"(?:death|dying(?! (?:my|her|his|their|it)\b)|ending it|not being here|killing myself|suicide)\b",
    ),
    (
        "suicidal_frame",
        "self",
        r"(?<!who )(?<!she )(?<!he )(?<!they )(?<!character )\b(?:thinking|think|thought|thoughts|considering|consider|"
        r"contemplating|commit|commiting|committing|attempt|attempted|attempting|planning|plan) (?:about |of |on )?"
        r"(?:\w+ )?suicid\w*|\b(?:feel|feeling|felt|im|i am|been|get|getting|am) (?:(?!not\b|never\b)\w+ )?suicidal\b"
        r"|(?<!not )(?<!never )\bsuicidal\b"
        r"(?: \w+){0,2}? (?:again|thoughts|today|tonight|lately)\b",
    ),
    # --- self: other languages (accents already removed)
    (
        "wish_to_die_es",
        "self",
        r"\b(?:quiero|quisiera|me quiero|deseo|voy a|ganas de) (?:morir|morirme|matarme|"
        r"suicidarme|desaparecer para siempre)\b|\bme quiero (?:morir|matar|suicidar)\b|\b(?:no|ya no) (?:quiero|"
        r"tengo ganas de) (?:vivir|seguir viviendo)\b|\bquitarme la vida\b|\bpensando en (?:suicidarme|matarme|"
        r"morir)\b|\bno aguanto mas(?: (?:vivir|la vida|esto))?$|\bme (?:corto|lastimo|hago dano)\b",
    ),
    (
        "wish_to_die_fr",
        "self",
        r"\b(?:je veux|jai envie de|envie de|je voudrais|je vais|je pense a) (?:mourir|me "
        r"tuer|me suicider|en finir|disparaitre)\b|\b(?:plus|pas) envie de vivre\b|\bje (?:ne )?veux (?:plus|pas) "
        r"vivre\b|\ben finir\b|\bje nen peux plus\b(?! de\b)|\bme faire du mal\b|\bme (?:scarifier|scarifie)\b|"
        r"\bje me (?:coupe|scarifie)\b|\bme tuer\b",
    ),
    (
        "wish_to_die_de",
        "self",
        r"\b(?:will|mochte|moechte|werde|wurde gern|wurde gerne)(?: \w+){0,2}? sterben\b|"
        r"\bnicht mehr (?:leben|da sein|aufwachen)\b|\bmich(?: \w+){0,2}? (?:umbringen|toten|ritzen|verletzen)\b|"
        r"\bbringe? mich(?: \w+){0,3}? um\b|\britze mich\b|\bkeinen sinn mehr\b",
    ),
    (
        "wish_to_die_pt",
        "self",
        r"\b(?:quero|vou|queria|penso em|vontade de) (?:morrer|me matar|me suicidar|sumir "
        r"para sempre)\b|\bme matar\b|\bnao (?:quero|aguento) mais viver\b|\bnao quero mais (?:viver|estar aqui)\b|"
        r"\b(?:tirar|acabar com) (?:a )?minha (?:propria )?vida\b|\bnao aguento mais$|\bme (?:cortar|corto|"
        r"machucar)\b",
    ),
    (
        "wish_to_die_it",
        "self",
        r"\bvoglio morire\b|\b(?:uccidermi|ammazzarmi|suicidarmi)\b|\bnon voglio piu "
        r"vivere\b|\bfarla finita\b",
    ),
    # --- harmed: someone is hurting the writer
    (
        "hurt_by_someone",
        "harmed",
        rf"\b{_PERSON}\b(?: \w+){{0,3}}? {_ABUSE_VERB} me\b{_BEATS_AT_A_GAME}(?! with (?:a |the )?(?:pillow|ball|"
        r"snowball|water|joke|"
        r"question|nerf|toy)\b)|\b(?:dont|do not|never|"
        r"wont|doesnt|dont ever) (?:feed|let me eat)\b",
    ),
    (
        "being_abused",
        "harmed",
        r"\b(?:im|i am|ive been|i have been|i was|being|been|got|get|getting|keep getting)"
        r" (?:\w+ )?(?:abused|molested|raped|assaulted|beaten up|bullied|groomed|trafficked|beat up)\b",
    ),
    (
        "not_safe",
        "harmed",
        r"\b(?:not safe|unsafe|scared|afraid|terrified|frightened) (?:at|to go|of going|to be)"
        r" (?:back )?home\b|\b(?:im|i am|i feel|i might be) (?:in danger|not safe)\b|\b(?:its|it is|im|i am|i feel)"
        r" (?:not safe|unsafe) (?:at|in) (?:my |our )?(?:house|home|place|flat|apartment)\b",
    ),
    (
        "hurt_by_someone_es",
        "harmed",
        r"\b(?:padre|madre|papa|mama|padrastro|madrastra|tio|novio|hermano|"
        r"alguien)\b.{0,20}\bme (?:pega|pegan|golpea|golpean|maltrata|maltratan|toca|lastima|hace dano|abusa)\b",
    ),
    (
        "hurt_by_someone_fr",
        "harmed",
        r"\b(?:pere|mere|beau-pere|beau pere|copain|oncle|frere|quelquun|on)\b.{0,20}"
        r"\bme (?:frappe|bat|battent|frappent|touche|maltraite|viole|fait du mal)\b",
    ),
    (
        "hurt_by_someone_de",
        "harmed",
        r"\b(?:vater|mutter|stiefvater|onkel|bruder|freund|jemand)\b.{0,20}"
        r"\b(?:schlagt|schlaegt|verprugelt|missbraucht|beruhrt|tut mir weh)\b",
    ),
    (
        "hurt_by_someone_pt",
        "harmed",
        r"\b(?:pai|mae|padrasto|tio|namorado|irmao|alguem)\b.{0,20}\bme (?:bate|"
        r"batem|agride|machuca|abusa|toca)\b",
    ),
    # --- topic words: count only outside a career or study question
    ("suicide_word", "topic", r"(?<!not )(?<!never )(?<!im not )\bsuicid\w*|\bselbstmord\w*|\bsuizid\w*"),
    ("self_harm_word", "topic", r"\bself ?harm\w*|\bself ?injur\w*"),
    ("overdose_word", "topic", r"\boverdos\w*|\bod\b(?: on)"),
    # --- abuse: insults at the advisor or others, and threats
    (
        "insult",
        "abuse",
        rf"\b(?:you|youre|your|you are|this bot|ya)(?: {_INTENSIFIER})*? {_INSULT}\b|"
        r"\b(?:stupid|dumb|useless|idiot|shitty|fucking|crap|garbage|trash) (?:bot|ai|machine|program|robot|"
        r"app|chatbot)\b|\bpiece of (?:shit|crap|junk|garbage|trash)\b|\byou idiot\b|\bi (?:hate|despise) you\b",
    ),
    (
        "profanity_at",
        "abuse",
        r"\b(?:fuck|f\*ck|f\*\*k|f\*+|fck|fuk|fuq|fk|fu|screw|f) (?:you|off|this bot|your|yourself|bot|u)\b|\bstfu\b|"
        r"\bgo (?:fuck|f\*ck|f\*+\w*|fck|fuk|f|screw) (?:yourself|urself|off)\b|\beat (?:shit|my shit|crap)\b|"
        r"\b(?<!cant )(?<!never )shut (?:up|it)\b(?! and take)|\bgo to hell\b|\bkys\b|"
        r"\b(?:go )?(?:kill|hang|drown) yourself\b|"
        r"\bgo die\b|\bdrop dead\b(?! gorgeous)",
    ),
    (
        "threat",
        "threat",
        rf"\b{_INTENT}(?: \w+){{0,6}}? (?:kill|murder|stab|shoot|hurt|beat up|beat|attack|punch|"
        rf"bomb) {_TARGET}\b|\b(?:bring|bringing) (?:a )?(?:gun|knife|weapon) to (?:school|class)\b",
    ),
    (
        "insult_es",
        "abuse",
        r"\b(?:eres|sos) (?:un |una |muy )?(?:idiota|estupido|estupida|inutil|tonto|tonta|"
        r"imbecil|basura)\b|\bvete a la mierda\b|\bcallate\b|\bte odio\b|\bhijo de puta\b|\bpendejo\b",
    ),
    (
        "insult_fr",
        "abuse",
        r"\b(?:tes|tu es|t es) (?:trop |vraiment |un |une |quun )?(?:nul|nulle|con|conne|debile|"
        r"stupide|idiot|idiote|bete)\b|\bta gueule\b|\bferme la\b|\bva te faire foutre\b|\b(?:connard|connasse|"
        r"salope|encule)\b|\bje te (?:deteste|hais)\b",
    ),
    (
        "insult_de",
        "abuse",
        r"\bdu bist (?:(?:so|echt|ein|eine|total|voll) )*(?:dumm|blod|bloed|idiot|nutzlos|"
        r"scheisse|scheiss|behindert|doof)\b|\bich hasse dich\b|\bhalt (?:die klappe|s maul)\b|\bhalts maul\b|"
        r"\bfick dich\b|\b(?:arschloch|wichser|hurensohn)\b",
    ),
    (
        "insult_pt",
        "abuse",
        r"\b(?:voce e|vc e|tu es) (?:um |uma |muito )?(?:burro|burra|idiota|inutil|estupido|"
        r"lixo)\b|\bvai (?:se|te) foder\b|\bvai tomar no cu\b|\bcala a boca\b|\bte odeio\b|\bfilho da puta\b",
    ),
    ("insult_it", "abuse", r"\bvaffanculo\b|\bsei (?:un |una )?(?:idiota|stupido|stupida|inutile)\b"),
)


def _both(a: str, b: str, gap: int = 120) -> str:
    """`a` and `b` in either order, at most `gap` characters apart."""
    return rf"(?:{a}).{{0,{gap}}}(?:{b})|(?:{b}).{{0,{gap}}}(?:{a})"


def _unless(benign: str, rule: str) -> str:
    """`rule` anywhere in a message that has none of the `benign` words (an ordinary reason)."""
    return rf"^(?!.*\b(?:{benign})\b).*?(?:{rule})"


# A reason that makes "I won't be here", "I want to disappear", "I'm scared of what dad will do"
# ordinary: a trip, school work, results.
_ORDINARY_REASON = (
    r"holiday|holidays|vacation|trip|travel\w*|camp|visit\w*|abroad|save|saved|finish|later|continue|resume|"
    r"results?|scores?|grades?|marks|report|test|exam|exams|quiz|class|lesson|homework|"
    r"career|careers|major|degree|job|university|college|school trip|appointment|interview|jaja|haha|lol|lmao"
)
_BODY = (
    r"(?:wrist|wrists|arm|arms|leg|legs|thigh|thighs|skin|stomach|belly|body|hip|hips|head|hair|face|hand|hands|"
    r"chest|ankle|ankles|neck|shoulder|shoulders|fingers|nails)"
)
_OWN_HARM_VERB = (
    r"(?:cut|cuts|cutting|carve|carves|carving|carved|burn|burns|burning|burned|burnt|scratch|scratches|scratching|"
    r"punched|banged|slammed|stabbed|picked|pulled|bit|bruised|choked|starved|"
    r"scratched|hit|hits|hitting|punch|punches|punching|bang|bangs|banging|slam|slams|slamming|stab|stabs|stabbing|"
    r"pick|picks|picking|pull|pulls|pulling|bite|bites|biting|bruise|bruising|starve|starving|choke|choking)"
)
# Deliberate: the marks of doing it to oneself on purpose, not an accident at sport or cooking.
_ON_PURPOSE = (
    r"(?:(?:till|until|til|untill) (?:it|they|i|my \w+|there\w*) (?:\w+ )?(?:bleed|bleeds|bled|bleeding|bruise|bruises|"
    r"hurt|hurts|scar|scars|burn|burns|feel|go numb|cant feel|is raw)|on purpose|deliberately|"
    r"with (?:a|my|the|some) (?:lighter|blade|razor|knife|cigarette|cigarettes|scissors|compass|sharpener|lighter)|"
    r"when (?:it|things|i|everything) (?:gets?|feel|am|are|is) (?:bad|too much|worse|sad|angry|upset|overwhelmed|"
    r"stressed|numb)|to (?:feel|punish|cope|calm|numb|stop feeling)|every (?:night|day)|again)"
)
_ABUSER = (
    r"(?:dad|father|daddy|papa|mom|mum|mother|mommy|mummy|mama|stepdad|stepfather|stepmom|stepmum|stepmother|"
    r"step dad|step mom|step mum|parent|parents|uncle|aunt|auntie|brother|sister|cousin|grandpa|grandfather|grandma|"
    r"grandmother|boyfriend|girlfriend|bf|gf|husband|partner|teacher|coach|neighbor|neighbour|someone|somebody|he|"
    r"she|they|carer|guardian|man|guy|adult|moms boyfriend|mums boyfriend|dads girlfriend|tutor|priest|babysitter|"
    r"stepbrother|stepsister|step brother|step sister|half brother|family friend|trainer|instructor)"
)
_ABUSE_ACT = (
    r"(?:threw|throws|throw|pushed|pushes|shoved|shoves|grabbed|grabs|slammed|slams|dragged|drags|choked|chokes|"
    r"strangled|strangles|pinned|pins|punched|punches|kicked|kicks|hit|hits|beat|beats|slapped|slaps|smacked|smacks|"
    r"burned|burns|whipped|whips|scratched|bit|bites|stabbed|cut|threatened|threatens|touched|touches|groped|gropes|"
    r"raped|rapes|molested|molests|abused|abuses|hurt|hurts|belted|tied|ties|locked|locks|starved|starves)"
)
_PILLS = (
    r"(?:pills|pill|tablets|tablet|meds|medication|medicine|medicines|painkillers|paracetamol|tylenol|ibuprofen|"
    r"acetaminophen|aspirin|sleeping pills|antidepressants|insulin|xanax|benzos)"
)
_AMOUNT = (
    r"(?:all|whole|entire|bottle|box|boxes|pack|packet|packets|bunch|lot|lots|load|loads|handful|too many|every|"
    r"[1-9]\d+|twenty|thirty|forty|fifty|hundred|dozens?|double|triple)"
)

# Generalised by category from the misses of corpus_dev2 (the old probe) and the helpers' dev3
# examples: ways of saying the same thing, not the sentences themselves.
_GENERAL: tuple[tuple[str, SignalKind, str], ...] = (
    # --- ending, disappearing, not existing, sleeping forever
    (
        "ending_euphemism",
        "self",
        r"(?<!lets )(?<!let us )\b(?:end|ending|ended|finish|finishing) (?:it|things|everything|it all|my story)\b"
        r"(?! (?:with|between|for now|early|off|on|at|in|by|and start|and move|and go)\b)"
        r"|\bmake (?:it|this|everything|it all|the pain|the pain all) (?:all )?stop (?:for good|forever|for ever|"
        r"permanently)\b"
        r"|\b(?:all|everything|it all|all of this|my life) (?:to )?(?:be )?over (?:for good|forever|for ever|"
        r"permanently)\b"
        r"|\b(?:rest|sleep) for good\b|\b(?:just )?want (?:it|this|everything) (?:all )?to be over\b(?! (?:so|and|"
        r"before)\b)"
        r"|\bcheck out of (?:life|this world|here)\b|\bcheck out for good\b",
    ),
    (
        "not_exist",
        "self",
        r"\b(?:want|wanna|wish|like|rather|could|thinking about|think about|dream of|dream about|imagine)\b"
        r"(?: \w+){0,3}? (?:stop|not|never|no longer|cease to) (?:existing|exist|be alive|being alive|be here|"
        r"being here|"
        r"be on this (?:earth|planet)|waking up|wake up)\b(?! (?:early|late|at|before|in time)\b)"
        r"|\b(?:be|being) on this (?:earth|planet|world) anymore\b",
    ),
    (
        "vanish",
        "self",
        _unless(
            _ORDINARY_REASON,
            r"\b(?:want|wanna|wish|wishing|could|just|gonna|going to|would like to|need to)\b(?: \w+){0,2}? "
            r"(?:disappear|vanish|fade away|evaporate)\b(?! (?:under|behind|inside|into|from|to|for a|in|on|"
            r"and (?!never))\b)"
            r"|\b(?:disappear|vanish)\w* (?:and never (?:come back|return|be seen)|forever|for good|for ever|"
            r"permanently|without a trace)\b",
        ),
    ),
    (
        "sleep_forever",
        "self",
        _unless(
            _ORDINARY_REASON + r"|weekend|week|holidays|finals|after this",
            r"\b(?:sleep|asleep|sleeping)\b(?: \w+){0,2}? (?:forever|for ever|permanently|and never wake|and not wake|"
            r"and never come back|for good)\b",
        )
        + r"|\b(?:never|not|dont|didnt) (?:wake|waking|woke) up (?:again|ever)\b"
        r"|\b(?:wish|hope|pray)\b(?: \w+){0,3}? (?:never|not|didnt|dont|wouldnt|wont|will not) (?:wake|waking) up\b"
        r"|\b(?:stop|end) (?:feeling|breathing|existing|everything|it all)(?: \w+)? (?:forever|for good|permanently)\b",
    ),
    # --- goodbye and finality
    (
        "finality",
        "self",
        r"\b(?:goodbye|bye|farewell) (?:everyone|everybody|world|cruel world|forever|for good|for ever)\b"
        r"|\bthis is (?:goodbye|my (?:last|final) (?:message|goodbye|words|night|day))\b"
        r"|\b(?:last|final) time (?:you|youll|you will|anyone|anyone will)(?: \w+)? (?:hear|see|talk)\w*(?: from|"
        r" to)? me\b"
        r"|\b(?:when|after|once) im (?:gone|dead|not here|no longer here)\b(?! (?:on|to|for|at)\b)"
        r"|\b(?:dont|do not|cant|cannot) see myself (?:making it|surviving|being alive|being here|living|alive|"
        r"still here)\b|\b(?:dont|do not) (?:want|wanna) to (?:come up|resurface|come back up|breathe)(?: anymore|"
        r" again)\b"
        r"|\bmy (?:own )?funeral\b|\b(?:tonight|today) is the (?:night|day)$"
        r"|\b(?:wont|will not|not going to|not gonna|wont even) be (?:here|around|alive) (?:much |for |very )?"
        r"(?:longer|long|anymore|any more|after (?:tonight|today|this))\b|\bsoon it wont matter\b"
        r"|\b(?:giving|gave|given|give) (?:away )?(?:all )?my (?:stuff|things|belongings|dog|cat|pet|clothes|games)"
        r" (?:away|to)\b|"
        + _both(
            r"\bthanks? (?:you )?for everything\b|\btell (?:my \w+|everyone|them) (?:that )?i love",
            r"\b(?:do it|its time|im done|i am done|forgive me|im sorry|love you all|goodbye)\b",
        )
        + "|"
        + _unless(
            _ORDINARY_REASON,
            r"\b(?:wont|will not|not going to|not gonna|am not going to) be (?:here|around)"
            r" (?:next|by|after|tomorrow|on|for)\b|\bi wont be here\b$|\b(?:not going to|wont|dont think i(?:ll| will|"
            r" can)|cant|might not) (?:make it|survive|last|be around) (?:through )?(?:another|this|the|tonight|"
            r"today|much longer|the night|the week|for)\b",
        ),
    ),
    # --- burden, nobody would care
    (
        "burden",
        "self",
        r"\b(?:better|happier|easier|fine|relieved|lighter|freer|calmer|place|off|peaceful|good|nicer|quieter|simpler|"
        r"brighter|safer)\b(?: \w+){0,2}? "
        r"(?:without me(?: in it| around| in their lives)?(?! (?:for|on|at|in|there|today|this|during|tomorrow|tonight)"
        r"\b)"
        r"|if i (?:just |even |simply )?(?:(?:was|were|am|had) "
        r"(?:gone|dead|never born|not here|not around|not alive|no longer here|never existed)|(?:wasnt|werent) "
        r"(?:here|around|alive|born|in it|in their lives|in the picture)|(?:just )?(?:died|disappeared|vanished|"
        r"didnt exist|never existed|killed myself|"
        r"left for good)))\b"
        r"|\b(?:im|i am|feel like|being|just|only|nothing but|always) (?:a |such a |just a |only a |the )?"
        r"(?:burden|mistake|waste|waste of (?:space|air|oxygen|life))\b(?! of (?:time|money)\b)"
        r"|\bi (?:only|just|always) (?:cause|make|bring) (?:problems|trouble|pain) (?:for|to)\b"
        r"|\bmy (?:whole |entire )?(?:existence|life|being alive|being here) (?:is|was|feels like) (?:a |one big )?"
        r"(?:mistake|waste|accident|burden)\b",
    ),
    (
        "nobody_cares",
        "self",
        _both(
            r"\b(?:would|will|does|do|did|even)\b(?: \w+)? (?:anyone|anybody|someone|people|they|everyone|my \w+)"
            r"(?: even| really| actually)? (?:care|notice|miss me|cry|remember me|come)\b|\b(?:nobody|no one|noone)"
            r"(?: \w+){0,2}? (?:care|cares|notice|miss|mind)\b",
            r"\bif i (?:died|die|disappeared|disappear|was gone|were gone|was dead|were dead|left|vanished|"
            r"killed myself)\b",
            60,
        )
        + r"|\b(?:nobody|no one|noone)(?: \w+){0,3}? (?:my funeral|miss me)\b|\bplan(?:ning)? my (?:own )?funeral\b",
    ),
    # --- rather be dead, no meaning, giving up on life
    (
        "rather_dead",
        "self",
        r"\b(?:rather|prefer|prefer to)\b(?: \w+){0,2}? (?:be )?dead\b|\b(?:being )?dead (?:sounds|seems|would be|"
        r"feels)"
        r" (?:better|easier|nicer|good|like a relief|peaceful|nice)\b|\bdeath (?:sounds|seems|would be|feels) "
        r"(?:better|easier|nicer|good|like a relief|peaceful|nice|like the only)\b|\b(?:wouldnt|would not|dont|do not) "
        r"mind (?:dying|being dead|not waking up|if (?:i|a \w+|something|someone)(?: \w+){0,3}? (?:died|hit me|"
        r"killed me|"
        r"ran me over|run me over|didnt wake up|never woke up))\b|\b(?:hope|wish|pray)(?: \w+){0,3}? (?:car|bus|train|"
        r"truck|something|lightning)(?: \w+)? (?:hits|hit|kills|runs over|ran over) me\b|\bwaiting to die\b"
        r"|\bready to die\b|\bwant(?:ed)? (?:to )?be dead\b",
    ),
    (
        "no_meaning",
        "self",
        r"\b(?:my )?life (?:has|holds|had) (?:no|zero|lost (?:all )?(?:its )?) ?(?:meaning|purpose|point|value)\b"
        r"|\bno (?:meaning|purpose|point) (?:in|to|for) (?:my )?(?:life|living|existing|being alive)\b"
        r"|\bnothing (?:left )?(?:to live for|worth living for)\b|\bnothing left for me\b(?! (?:in|at|to do|"
        r"to learn)\b)"
        r"|\b(?:give|giving|gave|given|giving) up on (?:life|living|myself|everything|it all|being alive|the world)\b"
        r"|\bnothing matters anymore\b|\b(?:want|wanna|going|ready|gonna) to give up$"
        r"|\b(?:cant|cannot|dont|do not) see (?:any |a )?(?:way forward|way out|future for me|reason to (?:live|"
        r"stay))\b"
        r"|\bhow (?:much )?longer i can (?:keep (?:going|pretending|doing this|living|holding on)|go on|take (?:it|"
        r"this)|"
        r"hold on|do this|last)\b|\bpretending (?:to be|im|i am) (?:fine|ok|okay|happy)\b",
    ),
    (
        "tired_of_fighting",
        "self",
        r"\b(?:tired|sick|done|exhausted|fed up) (?:of|with) (?:fighting|being me|being here|waking up|breathing|"
        r"everything|all of it|this life|my life|trying(?! (?:to|at|in|out|for)\b))\b(?! (?:at|in|for|about)\b)",
    ),
    # --- means and intent
    (
        "means",
        "self",
        r"\b(?:took|take|taking|swallowed|swallow|swallowing|downed|ate|overdosed on|od on)\b(?: \w+){0,2}? "
        rf"{_AMOUNT}\b(?: \w+){{0,3}}? {_PILLS}\b|\b(?:took|swallowed|taking) (?:some |the |my |those )?(?:pills|"
        r"tablets)\b(?! (?:for|to help|to sleep|every|daily|twice|once|in the morning|at night|because of)\b)"
        rf"|\b(?:collect\w*|sav(?:e|ed|ing)|stockpil\w*|hoard\w*|hid\w*|stash\w*) (?:up )?(?:\w+ ){{0,2}}{_PILLS}\b"
        rf"|\bhow many {_PILLS}\b(?: \w+){{0,4}}? (?:would it take|does it take|to die|kill|is too many|are too many|"
        r"is lethal|are lethal|is deadly|are deadly|to overdose|to od)\b|\bnoose\b"
        rf"|\bhow (?:much|many)\b(?: \w+){{0,3}}? {_PILLS}\b(?: \w+){{0,3}}? (?:would be enough|is enough|to die|would "
        rf"kill|lethal|deadly)\b|{_PILLS}\b(?: \w+){{0,2}}? (?:lined up|counted out|laid out|in front of me|ready)\b"
        r"|\b(?:thinking|think|thought|thoughts|dream\w*) (?:about|of) (?:jumping|hanging|cutting|overdosing|drowning|"
        r"slitting|shooting myself)\b(?! (?:into|in|at|to|ship|jacks|rope|off a plane|over)\b)"
        r"|"
        + _unless(
            r"climb\w*|camping|sailing|boat|gym|skipping|jump rope|course|class|hiking|knots?|scouts?|"
            r"crafts?|swing|tug",
            _both(
                r"\brope\b",
                r"\b(?:closet|room|drawer|bag|ready|neck|hang\w*|"
                r"tonight|today|garage|attic|beam|ceiling|tree|hidden|backpack|locker|wardrobe|under my bed)\b",
                40,
            ),
        )
        + r"|\b(?:hid|hide|hiding|hidden|stash\w*|keep|keeping) (?:\w+ )?(?:knives|knife|blades|razors|razor blades)\b"
        r"(?! (?:in|at) (?:the )?(?:kitchen|shop|restaurant|work)\b)"
        r"|\b(?:stare|stared|staring|looked|looking|sat|sitting) (?:at|with) (?:the |a |my )?(?:(?:bottle|box|pack|"
        r"packet) of "
        rf"{_PILLS}|{_PILLS}|knife|blade|razor|rope)\b(?! (?:in|at) (?:the )?(?:shop|store|pharmacy|class)\b)"
        r"|\b(?:walk|walking|swim|swimming) (?:into|out into) the (?:sea|ocean|river|lake|water)\b(?! (?:to|for)\b)"
        r"|\b(?:standing|sitting|im|i am)\b(?: \w+)? (?:on|at) (?:the |a |this )?(?:roof|rooftop|ledge|edge|"
        r"bridge|balcony|cliff|tracks|railway)\b.{0,40}\b(?:right now|now|tonight|thinking|looking down|jump\w*)\b"
        r"|\b(?:step|stepping|jump|jumping|walk|walking|throw myself|lie|lay|lying) (?:down )?(?:in front of|under|"
        r"onto|on) (?:a |the )?(?:train|bus|car|truck|lorry|traffic|tracks|railway)\b"
        r"|\bcrash(?:ing)? (?:my|the|our) (?:car|bike|motorbike) (?:on purpose|into)\b|\bdrive (?:my car )?off (?:a|"
        r"the)"
        r" (?:cliff|bridge|road)\b"
        r"|"
        + _both(
            r"\b(?:gun|pistol|rifle|knife|blade|razor|razors|pills|rope|lighter)\b",
            r"\bon myself\b|\bto my (?:head|wrist|wrists|throat)\b|\bwhen (?:it|things) gets? (?:bad|too "
            r"much|worse|hard|unbearable)\b|\b(?:makes|make) me feel (?:something|better|calm|alive)\b|"
            r"\bto feel something\b",
            80,
        )
        + r"|\b(?:lethal|fatal|deadly) (?:dose|amount)\b(?!.{0,60}\b(?:toxicolog\w*|pharmac\w*|nurs\w*|doctor\w*|"
        r"vet\w*|career|job|study|course|class)\b)",
    ),
    # --- self-harm on one's own body
    (
        "self_harm_act",
        "self",
        rf"\b(?:{_OWN_HARM_VERB}|press|pressed|pressing|dig|digs|digging|dug|pinch|pinching)\b(?: \w+){{0,3}}? "
        rf"(?:into |in )?(?:my (?:own )?{_BODY}|myself)\b.{{0,40}}?\b{_ON_PURPOSE}"
        rf"|\b{_OWN_HARM_VERB}\b(?: \w+){{0,2}}? (?:wall|walls|door|floor|mirror)\b.{{0,40}}?\b{_ON_PURPOSE}"
        r"|\b(?:carve|carves|carving|carved) (?:\w+ ){0,2}(?:into|in|on) my\b"
        r"|\b(?:started|start|starting|began|back to|keep|kept|still|stopped) (?:cutting|self harming|burning myself|"
        r"hurting myself|harming myself)(?: again)?\b|\bcut(?:ting)? again\b|\bcut(?:ting)? (?:myself|my \w+) "
        r"(?:again|deeper|every)\b"
        r"|\b(?:relapse|relapsed|relapsing)\b(?! (?:into|in|on|of)\b(?! (?:cutting|self|harm)))"
        r"|\b(?:hide|hiding|hid|cover|covering|covered) (?:up )?(?:the |my )?(?:scars|cuts|marks|burns)\b"
        r"|\b(?:scars|cuts|marks|burns) (?:on|all over) my (?:wrists|wrist|arms|thighs|legs|stomach)\b"
        r"|\b(?:wrists|arms|thighs|legs) (?:are |is )?(?:covered in|full of) (?:scars|cuts|marks|burns)\b"
        r"|\blong sleeves (?:to hide|so no one|so nobody|even in summer)\b"
        r"|\bmake myself (?:throw up|puke|sick|vomit|bleed)\b|\b(?:stopped|stop|not) eating (?:on purpose|to punish)\b"
        r"|\b(?:blade|razor|razors)\b.{0,40}\b(?:skin|arm|arms|wrist|wrists|thigh|thighs|feel)\b",
    ),
    # --- attempts, recent or past
    (
        "attempt",
        "self",
        r"(?<!who )(?<!she )(?<!he )(?<!they )\b(?:attempt|attempted|attempting|tried|try|trying) (?:to )?(?:end it|"
        r"end things|kill myself|end my life|"
        r"take my (?:own )?life|overdose|od|suicide|commit suicide|hang myself|unalive)\b"
        r"|\b(?:my|last|previous|first|second|suicide) attempts?\b(?! (?:at|on|to pass|to|in|of)\b)"
        r"|\bi (?:have |had |already )?attempted\b(?! (?:to|the|a|an|my|this|that|it|all|every|some|question|"
        r"questions|exam|test|quiz|each|both|most|several)\b)|\bi (?:have |had )?(?:overdosed|ode?d)\b"
        r"|\b(?:tried|attempted|took)\b.{0,40}\b(?:woke up|ended up) in (?:the )?(?:hospital|er|icu)\b"
        r"|\b(?:hospital|er|icu|psych ward)\b.{0,60}\b(?:took|overdos\w*|pills|tablets|cut myself|tried)\b",
    ),
    # --- hurt by others, described by what happened
    (
        "hurt_by_act",
        "harmed",
        rf"\b{_ABUSER}\b(?: \w+){{0,3}}? {_ABUSE_ACT} (?:me|my (?:head|face|arm|arms|hair|neck|body))\b"
        + _BEATS_AT_A_GAME
        + r"(?! with (?:a |the )?(?:pillow|ball|snowball|water|joke|question|nerf|toy)\b)"
        r"(?! (?:in|at) (?:a |the )?(?:game|match|fortnite|minecraft|roblox|valorant|pe|football|rugby|soccer)\b)"
        rf"|\b{_ABUSER}\b(?: \w+){{0,3}}? (?:comes|coming|came|gets|getting|got|sneaks|"
        r"sneaking|snuck|climbs|climbing|climbed|walks|walking) (?:into|in) (?:my|the) (?:room|bed|bedroom|shower|"
        r"bathroom)\b(?: \w+){0,2}? (?:at night|when i (?:shower|sleep|change|undress|bathe|am asleep|am alone))\b"
        rf"|\b{_ABUSER}\b(?: \w+){{0,3}}? (?:comes|came|gets|got|sneaks|snuck|climbs|climbed) (?:into|in) my "
        r"(?:room|bed|bedroom|shower|bathroom)\b"
        rf"|\b{_ABUSER}\b(?: \w+){{0,3}}? (?:hits|beats|hurts|abuses|chokes|kicks) (?:her|him|us|my mom|my mum|"
        r"my sister|my brother)\b(?: and| then| also)+ me\b"
        r"|\b(?:dont|do not|never) feel safe\b(?: \w+){0,2}? (?:at home|in my (?:house|home|room)|sleeping|around "
        r"(?:my \w+|him|her))\b"
        r"|\b(?:get|got|getting|been|being|am|was|im) (?:hit|slapped|punched|kicked|whipped|smacked|belted|choked|"
        r"beaten|"
        r"burned|locked (?:in|out))\b(?: \w+){0,2}? (?:with a (?:belt|stick|cable|cord|wire|shoe|hanger|spoon|hose)|"
        rf"at home|by (?:my )?{_ABUSER}|every (?:day|night)|when (?:he|she|they) (?:drinks|drink|gets|get))\b"
        rf"|\bbruises?\b.{{0,40}}\bfrom (?:my )?{_ABUSER}\b|\bgave me (?:bruises|a black eye)\b"
        r"|\b(?:without my consent|against my will)\b|\b(?:lock|locks|locked) me (?:in|out|outside)\b",
    ),
    (
        "coerced",
        "harmed",
        r"\b(?:forced|forcing|forces|force|made|makes|make|pressured|pressuring|pressures) me (?:to )?(?:do (?:things|"
        r"stuff|something|sexual \w+)(?: \w+){0,3}? (?:i (?:didnt|dont|did not|do not) (?:want|like)|(?:to|with|for) "
        r"(?:him|her|them))|have sex|sleep with|undress|get naked|touch (?:him|her|his|her|them)|kiss (?:him|her)|sit "
        r"on (?:his|her) lap|watch (?:porn|him|her))\b"
        r"|\b(?:being|been|was|got|get|im|i am|were) (?:forced|pressured|made) (?:to )?(?:do (?:things|stuff|something)"
        r"|"
        r"have sex|touch|sleep with|send)\b"
        r"|\b(?:forced|forcing|forces|force|made|makes|make|pressured|pressuring|pressures) me (?:to )?do sexual\b"
        r"|\b(?:tells|told|asks|asked|says|said|wants)(?: me)? to keep (?:it|this|that|us|what happened) (?:a secret|"
        r"secret|between us|quiet|from my)\b"
        r"|\b(?:says|said|tells me|told me) (?:its|it is|this is) (?:just )?(?:a game|our game|normal|what \w+ do)\b"
        r".{0,60}\b(?:hurts|scared|dont like|didnt like|uncomfortable)\b"
        r"|\b(?:our (?:little )?secret|(?:says|said|told me|tells me|asked me|asks me)(?: \w+)? (?:not to|to not|"
        r"never to|"
        r"dont) tell (?:anyone|anybody|my parents|my mom|my mum|my dad))\b|\bmeet (?:him|her|them) alone\b",
    ),
    (
        "sextortion",
        "harmed",
        r"\b(?:threaten\w*|says|said|will|gonna|going to|blackmail\w*|unless)\b(?: \w+){0,4}? (?:share|post|send|leak|"
        r"show|spread|publish|expose|put|upload|release)\b(?: \w+){0,3}? (?:pics|pictures|photos|nudes|images|videos|vi"
        r"deo|picture|"
        r"photo)\b"
        r"|\bif i (?:dont|do not|wont|refuse to) send (?:him |her |them )?(?:more |any )?(?:nudes|pics|photos|pictures|"
        r"videos|more)\b|\bha(?:s|ve) my (?:nudes|naked pics|naked photos)\b|\bblackmail\w*\b(?: \w+){0,3}? (?:me|"
        r"with)\b|\b(?:wants|"
        r"want|asked|asks|asking|pressuring|begging) me to send"
        r"(?: \w+)? (?:nudes|pics|photos|pictures|naked)\b",
    ),
    (
        "unsafe_home",
        "harmed",
        r"\b(?:ran|run|running) away from home\b|\bnowhere (?:safe )?to (?:sleep|stay|live)\b|\bnowhere safe\b"
        r"|\b(?:kicked|threw|thrown|throw|kick|kicking) me out\b|\b(?:got|been|was|get|getting|being) (?:kicked|thrown)"
        r" out\b(?! (?:of )?(?:the )?(?:class|school|team|club|game|lesson|lobby|match|group|chat|server)\b)"
        r"|\b(?:sleeping|sleep|living) (?:on the street|on the streets|in my car|in a park|rough)\b"
        r"|"
        + _unless(
            _ORDINARY_REASON,
            rf"\b(?:afraid|scared|terrified|frightened) (?:of )?(?:what )?(?:my )?"
            rf"{_ABUSER}\b(?: \w+){{0,3}}? (?:will|would|might|is going to|gonna) do\b",
        ),
    ),
    # --- round 3 (demoted blind v1 corpus and the writer's own dev6 examples): categories, not sentences
    # Not planning a future one will not be alive for: an absence stated as the reason planning is
    # pointless ("what's the point of X, I won't be around by then"), or being alive put in doubt.
    (
        "no_future_self",
        "self",
        _both(
            r"\b(?:wont|will not|not going to|not gonna|am not going to|dont think ill|probably wont|wont even|aint "
            r"gonna|dont plan (?:on|to)|not planning (?:on|to))(?: still| even)? (?:be )?(?:here|around|alive|living|"
            r"exist\w*)\b(?! (?:at|in) (?:the |this |that )?(?:school|class|office|meeting|party|house|city|town|countr"
            r"y|"
            r"lesson|club|camp)\b)|\bwhere im (?:going|headed|heading|off to)\b",
            r"\b(?:whats the point|what is the point|no point|any point|pointless|why (?:bother|plan|even|would i|shoul"
            r"d i)"
            r"|anyway"
            r"|(?:wont|dont|will not|do not) (?:need|matter|care)|no need|doesnt matter|wont matter)\b",
            100,
        )
        + r"|\b(?:wont|will not|not going to|not gonna|might not|may not) (?:still )?be alive\b"
        r"|\b(?:dont|do not|not) plan(?:ning)? (?:on|to) (?:be|being|stay|staying|still be) (?:here|around|alive)"
        r"(?: (?:much|for) (?:longer|long)| anymore)\b"
        r"|\b(?:dont|do not|cant|cannot|dont even|no longer) (?:see|have|imagine|picture) (?:any |a )?future "
        r"(?:for (?:me|myself)|at all|anymore|ahead of me)\b|\bno future for me\b|\b(?:i|me) (?:have|got) no future\b"
        r"|\b(?:nothing|it|things|life|my life) (?:will never|is never going to|is never gonna|never|wont ever) (?:get|"
        r"gets"
        r"|be|is) (?:any )?better\b|\bnothing (?:will|is going to|is gonna) (?:ever )?(?:get|be|make (?:it|things)) "
        r"better\b",
    ),
    # Asking what dying by a method feels like, or how much of a means it takes, about oneself.
    (
        "method_question",
        "self",
        r"\bbleed(?:ing)? out\b(?!.{0,80}\b(?:patient\w*|victim\w*|trauma|surgery|wound\w*|soldier\w*|animal\w*|deer|"
        r"character\w*|game|movie|film|show|book|novel|scene|first aid)\b)"
        rf"|\bhow (?:many|much)\b(?: \w+){{0,5}}? {_PILLS}\b(?: \w+){{0,5}}? (?:not wake|never wake|stop breathing|"
        r"to not|for it to|to end|be enough|would do it|to be fatal)\b"
        r"|\b(?:does|do|would|will) (?:it )?(?:hurt|take long|be painful) to (?:die|drown|hang|bleed|jump|overdose)\b"
        r"|\b(?:painless|quickest|fastest|easiest|quietest|surest) way (?:to )?(?:die|end it|end my life|kill myself)\b"
        r"|\b(?:painless|least painful|peaceful) way to (?:go|leave|check out)\b(?! (?:to|from|about|into|through|for|"
        r"abroad|back|home)\b)",
    ),
    # Goodbyes before "going": things given away with letters written or "I'm ready"; a goodbye
    # "before I go" that is not to bed or to school; "if I'm gone" nobody would notice.
    (
        "farewell_signs",
        "self",
        _both(
            r"\b(?:gave|giving|give|given|gived) (?:away )?(?:all |most of )?my (?:\w+ ){0,2}(?:away|to)\b",
            r"\b(?:wrote|writing|written) (?:\w+ )?(?:letters|a letter|notes|a note)\b|\b(?:i think )?im ready\b|"
            r"\bgoodbye\b|\bwont need (?:it|them|anything)\b|\bdont need (?:it|them) anymore\b|\btake (?:better |good )"
            r"?"
            r"care of (?:them|it|him|her|my \w+)\b(?: \w+)? (?:after|when im gone|for me)\b|\bafter (?:im gone|i go|i a"
            r"m "
            r"gone)\b",
            120,
        )
        + r"|\b(?:say|saying|said) (?:bye|goodbye|goodbyes)\b(?: \w+){0,4}? before i (?:go|leave|am gone|disappear)\b"
        r"(?! (?:to|on|for|abroad|home|out|back|off|in|into|away for)\b)"
        r"|\bif im (?:gone|not here|not around)\b(?: \w+){0,3}? (?:nobody|no one|noone|anyone|would anyone)\b",
    ),
    # "I know when I'll do it", a date chosen, the means gathered.
    (
        "plan",
        "self",
        _unless(
            _ORDINARY_REASON + r"|essay|project|presentation|assignment|study|studying|revise|revision",
            r"\bi (?:know|decided|picked|chose|have decided) (?:when|how|where|the day|the date)(?: \w+){0,3}? (?:im "
            r"going to|im gonna|i will|ill|to) do it\b",
        )
        + r"|\b(?:picked|chosen|set|have) (?:a |the )?(?:date|day)\b.{0,60}"
        r"\b(?:do it|end it|goodbye|pills|rope|no one will|nobody will)\b"
        r"|\b(?:everything|it) is (?:ready|planned|set) for (?:tonight|tomorrow|friday|the weekend)\b.{0,60}"
        r"\b(?:goodbye|sorry|pills|rope|end|forgive)\b",
    ),
    # An adult met online, or an older person, who wants pictures, an address or to meet in secret.
    (
        "grooming",
        "harmed",
        _both(
            r"\b(?:asks?|asking|asked|wants?|wanted|keeps asking|keeps begging|begging|pushing|pressuring)(?: me)?"
            r"(?: for| to)?(?: send| give| meet)?(?: \w+){0,2}? (?:pics|pictures|photos|selfies|nudes|videos|my address"
            r"|"
            r"where i live|my location|my snap|meet (?:up|him|her|irl|in person|alone)|to meet|video ?call \w+ alone|"
            r"delete (?:our|the) (?:chats|messages|dms))\b",
            r"\b(?:older|way older|much older|an adult|grown|a man|an old|years older|twice my age|met (?:him|her|them)"
            r"?"
            r" ?(?:on|online|in a game|playing)|(?:on|from) (?:snap|snapchat|insta|instagram|discord|tiktok|roblox|"
            r"whatsapp|telegram|kik|fortnite)|says (?:hes|shes|he is|she is) \w+)\b",
            120,
        )
        + r"|\b(?:an adult|a grown man|a grown woman|an older (?:man|guy|woman|boy)|my (?:coach|teacher|tutor|trainer))"
        r"(?: \w+){0,4}? (?:sends?|sent|keeps sending|messages|messaging|texts) me (?:at night|pics|photos|"
        r"inappropriate|sexual|naked|dirty)\b",
    ),
    # Farewell letter, pills gathered, trying again: words for them in other languages.
    (
        "farewell_other",
        "self",
        r"\b(?:abschiedsbrief\w*|abschiedsnachricht\w*|carta de despedida|lettre dadieu|mot dadieu|lettera dadd?io|"
        r"afscheidsbrief\w*|list pozegnalny|pozegnalny list|veda mektubu|surat perpisahan|sulat ng paalam|"
        r"bilet ng pamamaalam)\b",
    ),
    (
        "means_other",
        "self",
        r"\b(?:pillen|tabletten|medikamente|cachets|medicaments|pilules|comprimidos|remedios|pastillas|pastiglie|"
        r"pillole|tabletki|leki|haplar\w*|hap|ilac\w*|obat|pil|gamot|tableta|goli\w*|tabletki)\b(?: \w+){0,3}? (?:verza"
        r"meld|"
        r"gespaard|gesammelt|gehortet|gespart|versteckt|gespaard|verstopt|accumule\w*|garde\w*|caches|guardado\w*|"
        r"guardei|juntado\w*|junte|acumul\w*|escondid\w*|nascost\w*|messo da parte|zbieram|zebral\w*|schowal\w*|"
        r"biriktir\w*|sakladim|kumpulin|ngumpulin|kukumpulin|mengumpulkan|disimpan|inipon|itinago|jama kar\w*|ikatha\w*"
        r")\b"
        r"|\b(?:verzameld|gespaard|gesammelt|gehortet|zbieram|inipon) (?:\w+ ){0,2}(?:pillen|tabletten|tabletki|gamot)"
        r"\b"
        r"|\b(?:jai|j ai) (?:pris|avale) (?:des|trop de|plein de|tous? mes|toutes? (?:les|mes)|une boite de) (?:cachets"
        r"|"
        r"medicaments|pilules)\b|\b(?:tome|tomei) (?:muchas|todas|muitos|todos|um monte de) (?:pastillas|"
        r"comprimidos|remedios)\b|\bik weet (?:wanneer|hoe|waar) ik het (?:ga|zal|wil) doen\b"
        r"|\b(?:ich weiss|ich wei) (?:wann|wie|wo) ich es (?:tun|machen) werde\b|\bje sais (?:quand|comment) je vais le"
        r" faire\b|\bya se (?:cuando|como) lo voy a hacer\b|\bja sei (?:quando|como) vou fazer\b"
        r"|\b(?:volver a intentarlo|quiero intentarlo otra vez|tentar de "
        r"novo|voglio riprovarci|het opnieuw proberen|es wieder versuchen)\b",
    ),
    # Not going to be alive / here in other languages.
    (
        "no_future_other",
        "self",
        r"\b(?:nao|no) (?:vou|voy a|vai|va a) (?:estar|seguir|continuar) (?:viva|vivo|vivx|aqui|por aqui|neste mundo|en"
        r" "
        r"este mundo)\b|\bje ne serai (?:plus|pas) (?:la|en vie|vivante?)\b|\bich werde (?:nicht mehr|nicht) (?:da sein"
        r"|"
        r"leben|am leben sein)\b|\bnon (?:ci )?saro piu\b|\bik ben er (?:niet meer|straks niet meer)\b|\bnie bedzie mni"
        r"e\b"
        r"|\bnie dozyje\b|\b(?:sin|no tengo|nao tenho|pas de|kein\w*|geen|nessun) (?:futuro|avenir|zukunft|toekomst) "
        r"(?:para mi|pra mim|para mim|pour moi|fur mich|voor mij|per me)\b",
    ),
    # Counting down to an end; a height or a means looked up; being near an edge on purpose.
    (
        "countdown_and_heights",
        "self",
        r"\bcounting (?:down )?(?:the )?(?:days|hours|weeks)\b(?: \w+){0,2}? (?:until|till|til) (?:i (?:can |get to )?"
        r"(?:finally )?(?:stop|end|leave for good|be gone|go for good|disappear|rest)|(?:it|this|everything) (?:all )?"
        r"(?:ends for good|is over for good)|(?:i|its) (?:die|dead|over for me))\b"
        r"|\bhow (?:high|tall|far down|many (?:floors|storeys|stories|meters|metres|feet))\b(?: \w+){0,5}? (?:bridge|"
        r"building|roof|window|balcony|floor|fall|drop|cliff|jump)\w*\b(?: \w+){0,5}? (?:to die|has to be|have to be|ne"
        r"eds "
        r"to be|need to be|would kill|to be fatal|to not survive|to be sure)\b"
        r"|\b(?:jump|jumping|fall|falling|fell)\b(?: \w+){0,2}? (?:from|off) (?:\w+ ){0,3}high enough\b"
        r"|\bhigh enough (?:to|that|so)\b.{0,40}\b(?:die|dead|not survive|dont feel|never)\b"
        r"|"
        + _both(
            r"\b(?:window|edge|ledge|platform|tracks|rails|roof|rooftop|balcony|bridge|railing|cliff)\b",
            r"\blean\w* (?:too far|over|out)\b(?! (?:to|and) (?:see|look|wave|grab|take|get)\b)|\btoo close to the edge"
            r" "
            r"on purpose\b|\bon purpose\b|\bthinking (?:about|of) (?:falling|leaning|stepping off|letting go|"
            r"jumping)\b|\blet(?:ting)? go\b(?: of the (?:railing|rail|ledge))",
            80,
        )
        + r"|\b(?:thinking about|think about|want to|wanna|gonna|going to|might|tempted to|urge to|feel like) (?:just )"
        r"?"
        r"(?:drive|driving|crash\w*|steer\w*|swerv\w*)(?: my| the)?(?: car| bike| scooter)? (?:into|off) (?:a |the )?"
        r"(?:wall|tree|truck|lorry|bridge|cliff|river|lake|pole|barrier|oncoming \w+|traffic)\b"
        r"|\b(?:step|stepping|jump|jumping|throw myself|lie|lying) (?:down )?(?:in front of|under|onto) (?:a |the )?"
        r"(?:metro|subway|tube|tram|underground)\b",
    ),
    # Eating-disorder crisis: days without food, purging with blood, fainting from not eating.
    (
        "eating_crisis",
        "self",
        r"\b(?:havent|have not|hasnt|not|didnt|did not|cant|cannot)(?: \w+)? (?:eaten|eat|kept (?:any )?(?:food|anythin"
        r"g) "
        r"down|had (?:any )?(?:food|a meal|anything to eat))\b(?: \w+){0,2}? (?:in|for) (?:\w+ )?(?:days|a week|weeks|"
        r"[2-9] days|\d\d days)\b(?!.{0,40}\b(?:fasting|ramadan|surgery|flu|stomach bug|virus|dentist)\b)"
        r"|\b(?:throw|throwing|threw|make myself|making myself|made myself) (?:up|sick|vomit|puke)\b(?: \w+){0,2}? afte"
        r"r "
        r"(?:every|each|all|most|any) (?:meal|meals|time i eat|bite|thing i eat)\b"
        r"|\b(?:throw|throwing|threw|puke|puking|puked|vomit|vomiting|vomited) (?:up )?blood\b|\bblood in (?:it|my (?:v"
        r"omit|"
        r"puke|sick))\b|\bthere (?:was|is) blood\b.{0,30}\b(?:throw|threw|puke|vomit|sick)\w*\b"
        r"|\b(?:stopped|stop|quit|not) eating\b(?: \w+){0,3}? (?:so|to|until|till) (?:that )?(?:i )?(?:can )?(?:disappe"
        r"ar|"
        r"vanish|waste away|punish|die|shrink|be nothing)\b"
        r"|"
        + _both(
            r"\b(?:not eating|havent eaten|starv\w*|skip\w* (?:every|all)(?: \w+)? meals|too fat|so fat|hate my body|"
            r"kept (?:any )?food down|purg\w*|throwing up)\b",
            r"\b(?:faint\w*|passed out|pass out|passing out|dizzy|black spots|collapsed|blacked out|heart (?:is )?"
            r"(?:skipping|racing|fluttering))\b",
            120,
        ),
    ),
    # A panic attack or a body in alarm, happening now.
    (
        "panic_now",
        "self",
        r"\b(?:having|have|in the middle of|another|having another) (?:a |an )?(?:panic|anxiety) attack\b(?: \w+){0,5}?"
        r" "
        r"(?:right now|now|again|and i cant|cant stop|help)\b"
        r"|"
        + _both(
            r"\b(?:cant|cannot|can not|struggling to|hard to) (?:breathe|breath|catch my breath|get air)\b",
            r"\b(?:heart (?:is )?(?:racing|pounding|beating so fast)|chest (?:hurts|is tight|pain)|(?:im|i am|think im|"
            r"feel like im) (?:dying|going to die|gonna die|going to pass out|gonna pass out)|pass out|passing out|"
            r"shaking|please help|help me|panic\w*|happening again)\b",
            100,
        ),
    ),
    # Thrown out or afraid to go home; being told never to come back; a parent's partner going after them.
    (
        "thrown_out",
        "harmed",
        r"\b(?:told|said|says|tells|yelled|screamed) (?:at )?(?:me )?(?:to )?(?:never|not to|dont|do not) (?:ever )?com"
        r"e "
        r"(?:back|home)\b|\bnowhere (?:safe )?to (?:go|sleep|stay|live)(?: tonight| anymore)?\b(?! (?:for|on|this|"
        r"during|after|with) (?:my |the |a )?(?:internship|work|holiday|holidays|vacation|summer|break|trip|weekend|"
        r"placement|party)\b)"
        r"|\b(?:sleeping|slept|sleep|staying|living|spent the night) (?:at|in|on) (?:the |a )?(?:bus station|train "
        r"station|bus stop|street|streets|park|stairwell|subway|metro)\b"
        r"|\b(?:cant|cannot|too scared to|afraid to|dont want to) go (?:back )?home\b(?! (?:until|till|before|for|"
        r"yet|early)\b)(?!.{0,40}\b(?:traffic|snow|rain|storm|shift|practice|train|bus|strike|exam)\b)"
        rf"|\b{_ABUSER}\b(?: \w+){{0,3}}? (?:hits|beats|hurts|attacks|chokes) (?:her|him|us|my \w+)\b.{{0,50}}\b(?:me t"
        rf"oo|"
        r"then me|comes? after me|goes after me|starts on me|turns on me)\b",
    ),
    # Grooming signs that need no request: "mature for my age", a secret meeting.
    (
        "grooming_signs",
        "harmed",
        r"\b(?:says|said|tells me|told me|keeps saying) (?:im|i am) (?:so |really |very )?mature for my age\b"
        r"|\b(?:pick me up|meet (?:me|up)|come over|send (?:him|her) \w+)\b.{0,60}\bwithout my (?:parents|mum|mom|dad|"
        r"family) (?:knowing|finding out)\b|\bwithout my (?:parents|mum|mom|dad|family) (?:knowing|finding out)\b"
        r".{0,60}\b(?:pick me up|meet|come over|send|alone)\b"
        r"|\b(?:video ?call|call|facetime|meet)\w*(?: \w+){0,2}? alone\b.{0,60}\b(?:delete|secret|dont tell|not tell)\w"
        r"*"
        r"|\bdelete (?:our|the|all our|all the) (?:chats|messages|texts|dms)\b.{0,60}\b(?:so|because|or)\b"
        r"|\b(?:has|have|got|saved) my (?:private |naked |nude |intimate |personal )?(?:photos|pics|pictures|videos|"
        r"nudes)\b.{0,80}\b(?:unless|if i dont|or else|send|post|share|leak|pay|tell)\b",
    ),
    # Notes left for family, "if anything happens to me tonight", going dark for good.
    (
        "last_words",
        "self",
        _both(
            r"\b(?:wrote|written|writing|left|leaving|finished) (?:\w+ )?(?:notes?|letters?|goodbye \w+) (?:for|to) (?:"
            r"my )?"
            r"(?:parents|mum|mom|dad|family|sister|brother|friends|everyone|best friend)\b",
            r"\b(?:already|just in case|before i (?:go|leave)|goodbye|last|final|when im gone|so they know|explain"
            r"(?:ing)? why|to find)\b",
            80,
        )
        + r"|\bif (?:anything|something) (?:bad )?happens to me\b.{0,80}\b(?:tell (?:my|them|her|him|everyone)|"
        r"(?:wasnt|isnt|is not|was not|not) (?:her|his|their|your|anyones) fault|im sorry|love (?:them|her|him|you))\b"
        r"|\b(?:want|wish|wanna|need)\b(?: \w+){0,3}? (?:to )?go (?:dark|black|quiet|silent|numb)\b(?: \w+){0,3}? "
        r"(?:forever|for good|permanently|for ever)\b"
        r"|\b(?:dont|do not|cant|cannot) (?:see|imagine|picture) myself (?:getting|growing|living|being|making it) "
        r"(?:older|old|past|to|beyond|into|an adult)\b|\b(?:wont|will not|not going to|never going to) (?:make it|live)"
        r" "
        r"(?:to|past|until|till) (?:\d+|eighteen|twenty|adulthood|my birthday|graduation)\b"
        r"|\b(?:wish|want|wanna|hope)\b(?: \w+){0,8}? stay asleep\b(?! (?:till|until|longer|in|on|for|through|during)\b"
        r")"
        r"|"
        + _unless(
            r"homework|work|assignments?|essays?|exams?|tests?|deadlines?|emails?|chores|debt|paperwork|revision|"
            r"studying|coursework|projects?|lol|haha|pool|swim\w*|lesson",
            r"\b(?:drowning|suffocating)\b.{0,60}\b(?:no (?:surface|air|way out|one (?:sees|notices|cares))|cant (?:bre"
            r"athe|"
            r"get out|come up)|anymore|forever)\b",
        ),
    ),
    # Round 3b (dev7, metaphor and understatement): peace made and "ready to go", one's own grave,
    # no light at the end of the tunnel, "might as well", sleeping and not coming back, a means kept
    # "for bad days", steps off a platform, heights looked up.
    (
        "quiet_farewell",
        "self",
        _both(
            r"\b(?:made (?:my )?peace|said (?:my )?goodbyes|at peace with (?:it|everything|leaving|going)|im done|"
            r"nothing left to say)\b",
            r"\bready to (?:go|leave)\b(?! (?:to|for|on|at|out|home|back|now to|shopping|abroad)\b)|\bits time\b",
            80,
        )
        + r"|\bmy (?:own )?(?:grave|coffin|casket|headstone|tombstone)\b"
        r"|\bno light at the end of (?:the|this|my) tunnel\b(?!.{0,40}\b(?:project|essay|exam|course|homework)\b)"
        r"|\bmight as well (?:be dead|die|end it|not be here|not exist|disappear for good|make it (?:official|real|"
        r"permanent))\b"
        r"|\b(?:go to sleep|fall asleep|sleep|go to bed) and (?:not|never) (?:come back|wake up|return|wake)\b"
        r"|\b(?:ill|i will|im going to|i am going to|i might) be (?:gone|dead) (?:soon|by|before)\b(?! (?:for|on)\b)"
        r"|\b(?:dont|do not|not) plan(?:ning)? (?:on|to) (?:stick|sticking|hang|hanging) around (?:much |for )?(?:longe"
        r"r|"
        r"long|anymore)\b",
    ),
    (
        "means_kept",
        "self",
        _both(
            r"\b(?:blade|blades|razor|razors|knife|lighter|rope|pills|tablets|meds)\b",
            r"\bfor (?:the )?(?:bad|hard|rough|dark|worst) (?:days|nights|times|moments)\b|\bjust in case\b",
            60,
        )
        + r"|\b(?:meds|pills|tablets|medication|antidepressants|painkillers)\b.{0,60}\b(?:collect\w* them|sav(?:e|ed|in"
        r"g)"
        r" them(?: up)?|stockpil\w*|hoard\w*|stash\w*|hid\w* them|keeping them)\b"
        r"|\b(?:should|could|want to|wanna|going to|gonna|urge to|tempted to|thinking (?:about|of)|keeps? (?:telling|"
        r"saying)|tells me to)\b(?: \w+){0,4}? (?:step|jump|fall|throw myself|lean) (?:off|from|onto|in front of|over)"
        r" (?:the |a |that )?(?:platform|ledge|roof|balcony|bridge|edge|window|tracks|cliff|building)\b"
        r"|\b(?:looked up|looking up|searched|googled|googling|checked)\b.{0,40}\b(?:highest|tallest) (?:bridge|buildin"
        r"g|"
        r"roof|cliff|car park|parking garage)\b|\b(?:looked up|searched|googled)\b.{0,30}\b(?:bridge|building|cliff)\b"
        r".{0,20}\b(?:highest|tallest|high enough)\b",
    ),
    (
        "harmed_more_en",
        "harmed",
        rf"\b{_ABUSER}\b(?: \w+){{0,4}}? (?:does|did|keeps doing|tries to do|makes me do|did things|does things) "
        r"(?:stuff|things|something|sexual \w+)? ?(?:to|with) me\b(?! (?:in|at) (?:the |a )?(?:game|match)\b)"
        r"|\b(?:says|said|told me|tells me|keeps saying)(?: that)? (?:no one|nobody|noone) (?:would|will) (?:ever )?"
        r"believe me\b|\b(?:told|tells|said|yelled at|screamed at) me to get out\b|\bget out and (?:never|dont|not) "
        r"come back\b",
    ),
    (
        "body_alarm",
        "self",
        r"\b(?:cant|cannot|can not) get (?:enough|any) air\b|\bhearts? (?:is )?(?:pounding|racing) out of my chest\b"
        r"|\b(?:purg\w*|throwing up|throw up|threw up)\b.{0,60}\b(?:bleed\w*|blood)\b",
    ),
    # Round 3c (dev8, the v2 README's categories in new wording).
    (
        "burden_more",
        "self",
        r"\b(?:no one|nobody|noone) (?:has|will have|would have|needs|will need|would need) to (?:worry about|deal with"
        r"|"
        r"take care of|look after|put up with|pay for) me\b(?! (?:for|while|during|this|today|tonight|at)\b)"
        r"|"
        + _both(
            r"\bif i (?:wasnt|werent|was not|were not) (?:here|around|alive)\b|\bif i (?:was|were) gone\b",
            r"\b(?:save|saved|cheaper|money|fortune|easier|better|happier|lighter|relieved|less (?:stress|worry|trouble"
            r"))\b",
            60,
        )
        + r"|\b(?:dont plan on|not planning on|wont be|not going to be|soon i wont be|wont) (?:being |be )?(?:anyones|"
        r"everyones|anybodys|your|their) (?:problem|burden|responsibility)\b"
        r"|\b(?:such|just|only) a drain on (?:everyone|my family|my parents|everybody|them)\b",
    ),
    (
        "last_things",
        "self",
        r"\b(?:close|shut) my eyes\b.{0,40}\bnever (?:open|wake)\w*(?: them| up)? again\b"
        r"|\blast thing (?:ill|i will|im going to|im gonna|i am going to) (?:ever )?do\b(?: \w+){0,2}? before i (?:go|"
        r"leave|die)\b(?! (?:to|on|for|home|out|back|abroad|away for)\b)|\blast thing ill ever do\b"
        r"|\b(?:wish|hope|pray)\b(?: \w+){0,3}? (?:i )?(?:wont|will not|dont|wouldnt) (?:be here|be alive|be around) "
        r"(?:in the morning|tomorrow|anymore|by morning|when i wake)\b"
        r"|\bfading away\b.{0,40}\b(?:want (?:to|it)|wish|let me|dont mind|dont care|ready)\b"
        r"|\b(?:handing|handed|hand|giving|gave) (?:out|away) (?:all )?my (?:stuff|things|belongings|clothes|games|book"
        r"s)\b"
        r".{0,60}\b(?:wont (?:be )?(?:using|need|needing)|dont need|for good|anymore)\b",
    ),
    (
        "self_harm_more",
        "self",
        rf"\b(?:fresh|new|more|deep|deeper|another) (?:set of |few |bunch of )?(?:cuts|scars|burns|marks) on my {_BODY}"
        rf"\b"
        rf"|\b(?:been|keep|kept|started|start) (?:cutting|burning|scratching|carving|hitting|hurting) my {_BODY}\b"
        r"(?! (?:on|at|in|while|when|by accident)\b)"
        rf"|\b(?:burn|burning|burned|burnt)\b(?: \w+){{0,2}}? my {_BODY}\b(?: \w+){{0,2}}? with (?:the |a |my )?(?:hair"
        rf" "
        r"straightener|straightener|iron|candle|match|matches|hot spoon|lighter|cigarette)\b(?! (?:by accident|"
        r"accidentally)\b)"
        r"|\bdoe mezelf pijn\b",
    ),
    (
        # Slang and short forms (session 25): "sh" for self-harm with a relapse or clean-streak word,
        # "od" as a verb ("took an od", "gonna od"), hating being alive.
        "self_harm_slang",
        "self",
        r"\b(?:clean|free) (?:from|of) sh\b|\bsh (?:clean|free|relapse|urges?|scars?|again|streak|marks|cuts)\b"
        r"|\b(?:did|doing|relapsed on|relapse on|urge to|urges to|started|stopped|quit) sh\b|\bi sh\b"
        r"|\b(?:took|taken|take|taking|gonna|going to|want to|wanna|about to) (?:an? )?od\b(?! on\b)"
        r"|\bhate (?:being alive|existing|that i exist|that im alive)\b(?! (?:in|at|here|around|with)\b)",
    ),
    (
        "means_watched",
        "self",
        _both(
            rf"\b(?:{_PILLS}|knife|knives|blade|razor|rope|noose|gun)\b",
            r"\bkeep (?:staring|looking) at (?:it|them)\b|\bcant stop (?:staring at|looking at|thinking about) (?:it|th"
            r"em)"
            r"\b|\bknow how to tie it\b",
            80,
        )
        + "|"
        + _both(
            r"\b(?:bridge|roof|rooftop|ledge|edge|tracks|window|balcony|cliff)\b",
            r"\b(?:brave|strong|ready) enough\b|\bworking up the (?:courage|nerve)\b|\balmost (?:jumped|stepped|let go)"
            r"\b",
            80,
        )
        + r"|\b(?:keep thinking|thinking|imagine|imagining|wonder\w*)\b(?: \w+){0,2}? (?:the |a )?(?:train|bus|truck|fa"
        r"ll|"
        r"drop|jump|rope|pills|overdose) (?:would be|would make it|is|would) (?:quick|painless|easy|over fast|quick and"
        r" "
        r"painless)\b"
        r"|\b(?:sat|sitting|sit|stood|standing|stand) on (?:the |my |a )?(?:ledge|railing|edge of the (?:roof|bridge|"
        r"building|cliff|platform))\b",
    ),
    (
        "attempt_again",
        "self",
        _unless(
            _ORDINARY_REASON + r"|driving|drive|audition|tryout|tryouts|application|apply",
            r"\b(?:tried|attempted|did it) (?:it )?(?:once )?(?:before|already|last year|once)\b.{0,60}\b(?:scared|afra"
            r"id|"
            r"worried|might|going to|gonna|ill|i will)\b(?: \w+){0,2}? (?:try|do it|do that) again\b",
        ),
    ),
    (
        "harmed_more_en2",
        "harmed",
        rf"\b{_ABUSER}\b.{{0,60}}\b(?:throws|threw|throwing|hurls|hurled) (?:things|stuff|plates|bottles|glasses|chairs"
        rf"|"
        r"shoes|a bottle|a plate|a glass|a chair|a shoe|his \w+|her \w+) at me\b"
        r"|\b(?:comes|came|gets|got) home drunk\b.{0,60}\b(?:hits|hit|throws|threw|yells|screams|hurts|beats|scared)\b"
        r"|\b(?:says|said|tells me|told me) (?:im|i am) (?:his|her) (?:favourite|favorite|special \w+|special)\b"
        r"|\b(?:makes|made|keeps|wants|asks|asked|tells|told) me (?:to )?(?:stay|come|be|sleep|go)\b(?: \w+){0,4}? "
        r"alone with (?:him|her)\b"
        r"|\b(?:told|tells|asked|asks|wants) me to delete (?:our|the|his|her|all (?:the|our)) (?:chats|messages|texts|"
        r"dms|pics|photos)\b"
        r"|\b(?:teacher|coach|tutor|trainer|older (?:man|guy)|adult|grown man)\b.{0,40}\b(?:messag|text|dm|snap|call)\w"
        r"*"
        r"(?: me)?\b.{0,30}\b(?:at (?:midnight|night|\d ?am)|late at night|every night)\b"
        r"|\b(?:ran|run|running) (?:off|away)\b.{0,40}\b(?:not safe|unsafe|scared of|afraid of|hits me|hurts me)\b",
    ),
    (
        "body_alarm_more",
        "self",
        r"\bhyperventilat\w*\b(?!.{0,30}\b(?:laugh\w*|lol|haha)\b).{0,60}\b(?:help|numb|cant|dying|scared|shaking|"
        r"pass out)\b"
        r"|\b(?:havent|have not|not) (?:had|eaten) (?:more than|anything but|only)\b.{0,30}\b(?:in|for) (?:a|the|\d+|tw"
        r"o|"
        r"three|four|five) (?:week|weeks|days)\b",
    ),
    # Abuse at others: wishing them dead, third-person insults, slurs, humiliation, revenge.
    (
        "abuse_others",
        "abuse",
        r"\b(?:hope|hoping|wish|pray) (?:she|he|they|you|that \w+|my \w+|the \w+|this \w+)(?: \w+)? (?:dies|die|drops "
        r"dead|gets hit by|rots|burns|gets cancer|trips|falls (?:down|over|off)|gets hurt|chokes|breaks (?:her|his|"
        r"their) \w+)\b"
        r"|\b(?:fat|ugly|stupid|dumb|disgusting|smelly|lazy|dirty|annoying|old) (?:(?:fat|ugly|old|stupid|little|lazy) "
        r")*"
        r"(?:cow|pig|bitch|whore|"
        r"slut|cunt|freak|retard|loser|idiot|moron|rat)\b"
        r"|\b(?<!life )(?<!it )(?<!this )(?<!that )(?<!school )(?:is|are|was|were) (?:a |an |such a |such |the biggest "
        r"|"
        r"total |fucking |complete |absolute )*(?:bitch|bitches|bastard|bastards|asshole|assholes|cunt|cunts|whore|"
        r"whores|slut|sluts|dickhead|prick|twat|retard|retards|faggot|faggots|fags|fag)\b"
        r"|\b(?:r\*tard\w*|r\*+t\*?rd\w*|ret\*rd\w*|f\*g|f\*gs|f\*ggot\w*|f\*+ots?|n\*+gg?\w*|n\*+ga\w*|tr\*nn\w*|"
        r"retards|retarded|faggot\w*|nigg\w*)\b"
        r"|\bmake (?:sure )?(?:him|her|them|that \w+|the new \w+|the \w+|this \w+|whoever \w+(?: \w+){0,3}?)"
        r"(?: \w+)? (?:regret\w*|pay|suffer|cry|miserable|wish (?:he|she|they))\b"
        r"|\b(?:everyone|everybody|the whole (?:class|school))(?:s| is)? (?:gonna|going to|will) (?:hate|laugh at|"
        r"bully|ignore) (?:him|her|them)\b|\bhunt (?:you|him|her|them) down\b|\bhunt down (?:whoever|the (?:guy|person|"
        r"people)|him|her|them|you)\b"
        r"|\b(?:fake|burner|anonymous|anon) (?:account|profile|page|insta|tiktok)\b.{0,60}\b(?:humiliate|embarrass|bull"
        r"y|"
        r"expose|troll|mess with|make fun|harass|catfish|roast|ruin|get back at)\w*"
        r"|\bmake (?:his|her|their|your|that \w+s|\w+s) (?:life|lives|days) (?:a )?(?:living )?(?:hell|miserable|a "
        r"nightmare)\b|\b(?:write|make|say|come up with|think of) (?:something|some|a|anything) (?:really )?(?:mean|nas"
        r"ty|"
        r"cruel|hurtful|humiliating|embarrassing)\b(?: \w+){0,4}? (?:about|to|for) (?:my|him|her|them|this|that|a|the)"
        r"\b"
        r"|\b(?:dumbest|stupidest|most useless|shittiest|crappiest) (?:bot|ai|chatbot|app|thing|program|robot)\b"
        r"|\b(?:write|make|start|spread|make up) (?:a |some )?(?:rumou?rs?|lies|fake story)\b.{0,20}\babout\b"
        r"|\bi know where (?:he|she|they|you|that \w+(?: \w+){0,3}?) (?:lives?|parks?|sleeps?|hangs out)\b"
        r"|"
        + _both(
            r"\b(?:his|her|their) (?:bike|car|locker|phone|house|stuff|scooter)\b",
            rf"\b{_INTENT} (?:wreck|smash|trash|burn|slash|key|break|destroy) (?:it|them)\b",
            80,
        )
        + r"|\bhelp me (?:bully|humiliate|embarrass|roast|make fun of|expose|destroy|get back at|ruin|troll|harass|"
        r"cyberbully|mock|write (?:something )?mean)\b"
        rf"|\b{_INTENT}(?: \w+){{0,6}}? (?:slash|key|keying|smash|egg|trash|wreck|burn|break|set fire to|spray paint) "
        r"(?:his|her|their|your|the teachers|my \w+s?) (?:tires|tyres|car|house|locker|windows|window|phone|bike|stuff"
        r"|things)\b"
        r"|\b(?:kiss my ass|you ass|dumb ass|dumbass|jackass|asshat|smartass)\b",
    ),
    (
        "abuse_other_languages",
        "abuse",
        r"\b(?:tu|tum|tu toh|tu to) (?:bekar|bakwas|chutiya|gadha|bewakoof|ullu|kamina|kamine)\b"
        r"|\b(?:chutiya|chutiye|bhenchod|behenchod|madarchod|gandu|bhosdi\w*|harami)\b|\bbakwas bot\b"
        r"|\b(?:bobo|tanga|gago|ulol|inutil) ka\b|\b(?:putang ina|tangina|putangina) mo\b"
        r"|\b(?:goblok|tolol|bego|bangsat|anjing lu|anjing kau|kampret|bajingan)\b|\b(?:kamu|lu|lo|kau) (?:bodoh|goblok"
        r"|"
        r"tolol|bego|gak guna|nggak guna|tidak berguna)\b"
        r"|\b(?:sei|tu sei) (?:proprio )?(?:inutile|stupido|idiota|un cretino)\b|\b(?:je bent|jij bent) (?:een )?"
        r"(?:idioot|debiel|nutteloos|sukkel|kut\w*)\b|\b(?:eres|sos) (?:una? )?(?:mierda|basura|porqueria|asco)\b"
        r"|\b(?:tes|tu es|t es) (?:quune |une )?(?:merde|ordure|pourriture|sous merde)\b"
        r"|\bdu (?:bist )?(?:(?:so|echt|ein|eine|total|voll) )*(?:hurensohn|missgeburt|vollidiot|spast\w*|lappen|"
        r"idiot)\b",
    ),
)

SIGNALS: tuple[Signal, ...] = tuple(
    Signal(name, kind, re.compile(rx)) for name, kind, rx in (*_SIGNALS, *_GENERAL, *LEXICON)
)

# A message with a topic word and one of these is a question about a field, not a disclosure.
TOPIC_CONTEXT = re.compile(
    r"\b(?:career|careers|job|jobs|work|working|worker|workers|become|becoming|profession\w*|counsel+or\w*|"
    r"counsel+ing|therapist\w*|psycholog\w*|psychiatr\w*|social work\w*|hotline|helpline|prevention|prevent\w*|"
    r"nurse|nursing|doctor|doctors|police|detective|degree|study|studying|major|salary|shelter|volunteer\w*|"
    r"research\w*|pharmacist\w*|course|field|cases|paramedic\w*|awareness|statistics|rates|trabajo|carrera|"
    r"psicolog\w*|prevencion|travail|metier|beruf|arbeit|profissao|carreira|trabalho|"
    # any -ologist / -iatrist / medical or study field ("toxicologists", "pathology", "pharmacy")
    r"\w+olog(?:y|ist|ists|ical)|\w+iatr\w*|pharmac\w*|medic|medics|medicine|emt|hospital|clinic\w*|specialt\w*|"
    r"specialist\w*|essay|project|homework|documentary|lecture|module|novel|novels|book|books|story|poem|film|movie|"
    r"character|characters|literature|assigned|syllabus)\b"
)

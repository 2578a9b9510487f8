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
        r"alive|existing|it all|everything in life)\b",
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
        r"disappear\b(?! (?:from|into|to|for a|for the|in)\b)|\bdisappear(?:ed|ing)? (?:forever|for good|"
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
        r"\b(?:thinking|think|thought|thoughts|considering|consider|contemplating|"
        r"commit|commiting|committing|attempt|attempted|attempting|planning|plan) (?:about |of |on )?(?:\w+ )?"
        r"suicid\w*|\b(?:feel|feeling|felt|im|i am|been|get|getting|am) (?:\w+ )?suicidal\b|\bsuicidal\b"
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
        rf"\b{_PERSON}\b(?: \w+){{0,3}}? {_ABUSE_VERB} me\b|\b(?:dont|do not|never|"
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
        r" (?:back )?home\b|\b(?:im|i am|i feel|i might be) (?:in danger|not safe)\b",
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
    ("suicide_word", "topic", r"\bsuicid\w*|\bselbstmord\w*|\bsuizid\w*"),
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
        r"\b(?:fuck|f\*ck|f\*\*k|fck|fuk|fuq|screw|f) (?:you|off|this bot|your)\b|\bstfu\b|"
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

SIGNALS: tuple[Signal, ...] = tuple(Signal(name, kind, re.compile(rx)) for name, kind, rx in _SIGNALS)

# A message with a topic word and one of these is a question about a field, not a disclosure.
TOPIC_CONTEXT = re.compile(
    r"\b(?:career|careers|job|jobs|work|working|worker|workers|become|becoming|profession\w*|counsel+or\w*|"
    r"counsel+ing|therapist\w*|psycholog\w*|psychiatr\w*|social work\w*|hotline|helpline|prevention|prevent\w*|"
    r"nurse|nursing|doctor|doctors|police|detective|degree|study|studying|major|salary|shelter|volunteer\w*|"
    r"research\w*|pharmacist\w*|course|field|cases|paramedic\w*|awareness|statistics|rates|trabajo|carrera|"
    r"psicolog\w*|prevencion|travail|metier|beruf|arbeit|profissao|carreira|trabalho)\b"
)

"""Distress and abuse rules in other languages: es, fr, de, pt, it, nl, pl, tr.

Written against `normalise()` output: lower case, accents removed ("ölmek" -> "olmek", "chcę żyć" ->
"chce zyc", Turkish dotless i -> "i"), apostrophes dropped ("j'ai" -> "jai"). Each language covers the
same categories as the English rules: a wish to die or to disappear, being tired of living, not
being able to go on, self-harm, and being hurt by someone at home, plus the common insults.
Study idioms stay out ("cansado de estudiar", "fatigue des examens", "ich will Arzt werden").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aptichat.safety.signals import SignalKind

# "... de esta clase", "... pendant les vacances": an ordinary reason right after the phrase.
_NOT_STUDY = (
    r"(?! (?:de|da|do|con|com|avec|mit|met|z|ze|in|en|la|le|el|o|a|esta|este|esse|essa|questa|questo|"
    r"mathe\w*|mate\w*|math\w*|lernen|studi\w*|estud\w*|school|schule|escuela|escola|ecole|scuola|szkol\w*|okul\w*|"
    r"ders\w*|examen\w*|exam\w*|prova\w*|provas|klausur\w*|test\w*|sinav\w*)\b)"
)

LEXICON: tuple[tuple[str, SignalKind, str], ...] = (
    # --- Spanish
    (
        "distress_es",
        "self",
        r"\b(?:harto|harta|cansado|cansada|agotado|agotada) de (?:vivir|la vida|existir|estar vivo|estar viva|todo)\b"
        r"|\b(?:quiero|quisiera|me gustaria|solo quiero|ganas de) (?:desaparecer|dejar de existir|no despertar|dormir "
        rf"para siempre|no existir|irme para siempre){_NOT_STUDY}|\bya no puedo mas\b{_NOT_STUDY}"
        r"|\bno vale la pena (?:vivir|seguir)\b|\bestarian mejor sin mi\b|\bmejor (?:sin mi|muerto|muerta)\b"
        r"|\bacabar con (?:todo|mi vida)\b|\b(?:quiero|me quiero) ir(?:me)? para siempre\b|\bno quiero (?:despertar|"
        r"existir|seguir)\b|\bme (?:corte|cortaba|hago cortes)\b"
        r"|\bme voy a (?:matar|suicidar|tirar)\b|\b(?:intente|intento) (?:matarme|suicidarme)\b|\bpastillas\b.{0,40}"
        r"\b(?:todas|tomar|tome|morir)\b",
    ),
    (
        "harmed_es",
        "harmed",
        r"\b(?:padre|madre|papa|mama|padrastro|madrastra|tio|novio|novia|hermano|abuelo|primo|profesor|entrenador|"
        r"alguien|el|ella)\b.{0,30}\bme (?:pega|pegan|pego|golpea|golpean|golpeo|maltrata|toca|toco|tocan|lastima|"
        r"viola|violo|abusa|abuso|amenaza|encierra|quema|empuja|empujo|obliga)\b|\bme (?:obligo|obliga|obligan) a\b"
        r"|\babusaron de mi\b|\bno estoy a salvo\b|\btengo miedo de volver a casa\b|\bme escape de casa\b",
    ),
    # --- French
    (
        "distress_fr",
        "self",
        r"\b(?:fatigue|fatiguee|marre|las|lasse|epuise|epuisee) de (?:vivre|la vie|tout|exister)\b|\bjen ai marre "
        r"de (?:vivre|la vie|tout)\b|\bplus envie de rien\b|\bmettre fin a (?:mes jours|ma vie)\b|\b(?:dormir|partir) "
        r"pour toujours\b|\b(?:mieux|bien) sans moi\b|\bme (?:pendre|jeter|noyer)\b|\bje me suis (?:coupe|coupee|"
        r"scarifie|scarifiee|fait du mal)\b|\bje (?:ne )?veux (?:plus|pas) (?:exister|me reveiller|etre la)\b"
        r"|\bdisparaitre\b(?: \w+)? (?:pour toujours|a jamais)\b|\bje (?:ne )?sers a rien\b|\bvie na (?:plus )?(?:aucun"
        r"|pas de) sens\b",
    ),
    (
        "harmed_fr",
        "harmed",
        r"\b(?:pere|mere|beau pere|belle mere|copain|oncle|frere|cousin|prof|entraineur|quelquun|il|elle)\b.{0,30}"
        r"\bma (?:frappe|frappee|battu|battue|touche|touchee|violee|viole|pousse|poussee|force|forcee|menace|menacee)\b"
        r"|\bme (?:force|forcent|menace|menacent|enferme|enferment|brule|pousse) a?\b(?=.{0,30}\b(?:pere|mere|copain|"
        r"oncle|frere|il|elle|quelquun)\b)|\bpas en securite\b|\bpeur de rentrer\b",
    ),
    # --- German
    (
        "distress_de",
        "self",
        r"\bich kann nicht mehr\b(?! (?:\w+ ){0,2}(?:lernen|rechnen|warten|essen|sitzen|lesen|zuhoren)\b)"
        r"|\bich will nicht mehr\b(?! (?:\w+ ){0,2}(?:lernen|zur schule|in die schule|machen)\b)"
        r"|\b(?:will|mochte|moechte|wurde gern|wurde gerne|wollte)(?: \w+){0,2}? (?:verschwinden|tot sein|nicht mehr "
        r"aufwachen|einschlafen und nie)\b(?! (?:aus|von|in)\b)|\bkeine lust mehr (?:zu leben|auf (?:das )?leben|auf "
        r"nichts|auf alles)\b|\blebensmud\w*\b|\bmude (?:vom|von dem|des) leben\w*\b|\bbesser ohne mich\b"
        r"|\bmich (?:selbst )?(?:schneiden|verletzen|ritzen|umbringen|toten|aufhangen)\b|\bich schneide mich\b"
        r"|\bhat (?:alles )?keinen sinn mehr\b|\bschluss machen\b(?! mit (?:\w+ )?(?:freund|freundin))",
    ),
    (
        "harmed_de",
        "harmed",
        r"\b(?:vater|mutter|papa|mama|stiefvater|stiefmutter|onkel|bruder|freund|opa|trainer|lehrer|jemand|er|sie)\b"
        r".{0,30}\b(?:schlagt|schlaegt|schlug|verprugelt|missbraucht|missbrauchte|beruhrt mich|fasst mich an|tut mir "
        r"weh|wirft mich|sperrt mich ein|bedroht mich|zwingt mich)\b|\bich werde (?:geschlagen|missbraucht)\b"
        r"|\bzu hause nicht sicher\b|\bangst nach hause\b",
    ),
    # --- Portuguese
    (
        "distress_pt",
        "self",
        rf"\b(?:quero|queria|vontade de|so quero) (?:sumir|desaparecer|nao existir|dormir para sempre|nao acordar)"
        rf"{_NOT_STUDY}|\bnao aguento mais\b{_NOT_STUDY}|\b(?:cansado|cansada|farto|farta) (?:de viver|da vida|de "
        r"tudo|de existir)\b|\bnao vale a pena viver\b|\bmelhor sem mim\b|\b(?:eu )?me (?:cortei|cortando|corto)\b"
        r"|\bnao quero mais (?:acordar|existir|nada)\b|\bacabar com (?:tudo|a minha vida|minha vida)\b|\bvou me matar\b"
        r"|\btentei me matar\b",
    ),
    (
        "harmed_pt",
        "harmed",
        r"\b(?:pai|mae|padrasto|madrasta|tio|namorado|irmao|avo|primo|professor|treinador|alguem|ele|ela)\b.{0,30}"
        r"\bme (?:bate|batem|bateu|agride|agrediu|machuca|machucou|abusa|abusou|toca|tocou|estuprou|ameaca|ameacou|"
        r"tranca|obriga|obrigou|forca|forcou|empurrou)\b|\bnao estou seguro\b|\bnao estou segura\b|\bmedo de voltar "
        r"para casa\b",
    ),
    # --- Italian
    (
        "distress_it",
        "self",
        rf"\bnon ce la faccio piu\b{_NOT_STUDY}|\bvoglio (?:sparire|scomparire|morire|dormire per sempre|smettere di "
        r"esistere)\b|\b(?:stanco|stanca) di (?:vivere|tutto)\b|\b(?:togliermi|toglermi) la vita\b|\bnon voglio "
        r"(?:piu )?(?:vivere|esistere|svegliarmi)\b|\bmi (?:taglio|tagliavo|faccio del male)\b|\bstarebbero meglio "
        r"senza di me\b",
    ),
    (
        "harmed_it",
        "harmed",
        r"\b(?:padre|madre|papa|mamma|patrigno|matrigna|zio|fratello|ragazzo|nonno|allenatore|qualcuno|lui|lei)\b"
        r".{0,30}\bmi (?:picchia|picchiano|picchiava|colpisce|tocca|toccava|maltratta|fa del male|violenta|minaccia|"
        r"chiude|costringe)\b",
    ),
    # --- Dutch
    (
        "distress_nl",
        "self",
        r"\bik wil (?:dood|sterven|niet meer leven|niet meer|verdwijnen|er niet meer zijn|niet meer wakker worden|"
        r"mezelf (?:doden|van kant maken|iets aandoen|pijn doen))\b(?! (?:naar|met|uit|van)\b)|\bzelfmoord\w*\b"
        r"|\bik (?:snij|kras) (?:mezelf|me)\b|\bik kan niet meer\b(?! (?:\w+ )?(?:leren|wachten|studeren)\b)"
        r"|\b(?:moe|klaar) met (?:leven|het leven|alles)\b|\been (?:eind|einde) (?:aan|maken aan) (?:maken|mijn leven|"
        r"alles)\b|\bbeter af zonder mij\b",
    ),
    (
        "harmed_nl",
        "harmed",
        r"\b(?:vader|moeder|papa|mama|stiefvader|stiefmoeder|oom|broer|vriend|opa|trainer|leraar|iemand|hij|zij)\b"
        r".{0,30}\b(?:slaat|sloeg|schopt|misbruikt|betast|verkracht|bedreigt|dwingt) (?:me|mij)\b",
    ),
    # --- Polish
    (
        "distress_pl",
        "self",
        r"\bchce (?:umrzec|sie zabic|zniknac|skonczyc ze soba|zasnac na zawsze)\b|\bnie chce (?:juz )?(?:zyc|istniec|"
        r"sie"
        r" obudzic)\b|\bzabije sie\b|\bsamob\w*|\btne sie\b|\bmam dosc (?:zycia|wszystkiego)\b|"
        r"\bnie daje (?:juz )?rady\b"
        rf"{_NOT_STUDY}|\blepiej (?:by bylo )?beze mnie\b",
    ),
    (
        "harmed_pl",
        "harmed",
        r"\b(?:ojciec|tata|tato|matka|mama|ojczym|macocha|wujek|brat|chlopak|dziadek|trener|nauczyciel|ktos|on|ona)\b"
        r".{0,30}\bmnie (?:bije|bija|bil|uderza|dotyka|dotykal|molestuje|gwalci|zgwalcil|kopie|dusi|zamyka|"
        r"szantazuje)\b",
    ),
    # --- Turkish
    (
        "distress_tr",
        "self",
        r"\bolmek istiyorum\b|\bolmeyi (?:istiyorum|dusunuyorum)\b|\b(?:artik )?yasamak istemiyorum\b|\bintihar\w*"
        r"|\bkendimi (?:oldurmek|oldurecegim|olduresim|kesiyorum|kesmek|kestim|yaraliyorum)\b|\bkaybolmak istiyorum\b"
        r"|\byasamaktan (?:yoruldum|bikdim|biktim)\b|\bdayanamiyorum artik\b",
    ),
    (
        "harmed_tr",
        "harmed",
        r"\b(?:babam|annem|uvey babam|uvey annem|amcam|dayim|abim|agabeyim|erkek arkadasim|hocam|ogretmenim|biri)\b"
        r".{0,30}\bbeni (?:dov\w*|doven|dover|istismar\w*|taciz\w*|tehdit\w*|kilitl\w*|dokun\w*)\b"
        r"|\bbana (?:dokunuyor|dokundu|zorla)\b",
    ),
    # --- insults
    (
        "insult_more",
        "abuse",
        r"\bde mierda\b|\bpedazo de (?:mierda|basura)\b|\b(?:puto|puta|maldito|maldita) (?:bot|robot|ia|maquina)\b"
        r"|\bva te faire (?:voir|foutre|enculer)\b|\b(?:stomme|kut|kanker|tering) (?:bot|robot|ai)\b|\brot op\b"
        r"|\b(?:klootzak|kankerlijer|teringlijer)\b|\bje (?:hoort|moet) (?:te )?(?:sterven|dood)\b|\bjestes (?:glupi|"
        r"glupia|debil|debilem|idiota|idiotka|beznadziejny)\b|\b(?:spierdalaj|wypierdalaj|pierdol \w+)\b"
        r"|\b(?:salak|aptal|gerizekali|siktir|orospu \w+)\b|\b(?:stronzo|coglione|cretino|deficiente)\b"
        r"|\b(?:du|sie) (?:arsch|penner|spast|opfer)\b",
    ),
)

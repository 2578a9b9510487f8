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
        r"|\babusaron de mi\b|\babusa\w* de mi\b|\bnadie me cree\b|\bno estoy a salvo\b|\btengo miedo de volver a casa"
        r"\b|\bme escape de casa\b",
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
    # --- round 3: more ways to say it in the languages above, and Hindi/Urdu in Latin script
    # (Hinglish), Indonesian, Tagalog, Egyptian Arabic, Russian and Vietnamese as students type them
    # (Latin letters, no diacritics; digits for Arabic letters are folded by normalise: 3 -> e).
    (
        "distress_more",
        "self",
        # es
        r"\b(?:no le veo|no tiene|ya no tiene|no hay) (?:sentido|salida)(?: a)? (?:(?:la|mi) vida|nada|vivir|seguir)\b"
        r"|\bsoy una carga\b|\bnadie me (?:extranaria|echaria de menos)\b|\bdesaparecer\b(?: \w+)? (?:para siempre|"
        r"de este mundo)\b|\bdormir(?:me)? y no (?:volver a )?despertar\b|\bme quiero morir\b|\bya no quiero estar aqui"
        r"\b|\bhacerme dano\b|\b(?:irme|ir|salir|marcharme) de este mundo\b|\bdejar este mundo\b"
        r"|\bquitter ce monde\b|\bdiese welt verlassen\b|\bsair deste mundo\b|\blasciare questo mondo\b"
        r"|\bdormir e nao (?:acordar|despertar)\b|\bnon ce la faccio (?:piu )?a (?:vivere|andare avanti)\b"
        # fr
        r"|\bje (?:suis|me sens) (?:un fardeau|une charge|de trop)\b|\bpersonne ne (?:me regretterait|remarquerait)\b"
        r"|\bje veux (?:que tout sarrete|partir pour de bon|plus me reveiller)\b|\bmourir\b(?: \w+){0,2}? (?:ce soir|"
        r"bientot)\b|\bje me suis (?:brule|brulee|frappe|frappee)\b|\bplus la force de (?:vivre|continuer)\b"
        # pt
        r"|\bsou um (?:peso|fardo)\b|\bninguem (?:sentiria|ia sentir) (?:a )?minha falta\b|\bnao (?:vejo|tem) sentido "
        r"(?:em|na) (?:viver|vida|nada)\b|\bquero (?:morrer|sumir|desaparecer)\b|\bme machuquei de proposito\b"
        # de
        r"|\bich bin (?:(?:allen|fur alle|euch|meiner familie|nur|einfach|doch) )*(?:eine last|im weg)\b|\bniemand wurd"
        r"e mich vermissen\b|\bich will (?:sterben|tot "
        r"sein|einfach weg)\b|\bnicht mehr (?:weiterleben|existieren)\b|\bmir was antun\b|\bmir etwas antun\b"
        # it
        r"|\bsono un peso\b|\bnessuno sentirebbe la mia mancanza\b|\bvorrei (?:morire|sparire|non esserci piu)\b|\b(?:a"
        r"ddormentarmi|dormire) e non (?:svegliarmi|risvegliarmi)\b"
        r"|\bho preso (?:troppe|tutte le|molte|un sacco di) (?:pastiglie|pillole|medicine|compresse)\b"
        r"|\bnon ha (?:piu )?senso (?:vivere|niente|la vita)\b|\bfarmi del male\b|\bmi sono tagliat\w\b"
        # nl
        r"|\bik ben (?:een last|tot last)\b|\bniemand zou me missen\b|\bik wil er (?:\w+ )?niet meer zijn\b|\bmezelf pi"
        r"jn "
        r"(?:doen|gedaan)\b|\bhet leven heeft geen zin\b|\bgeen zin meer in (?:het leven|leven|alles)\b"
        # pl
        r"|\bjestem ciezarem\b|\bnikt by (?:za mna nie tesknil|nie zauwazyl)\b|\bnie chce juz tu byc\b|\bnie ma sensu "
        r"zyc\b|\bzycie nie ma sensu\b|\brobie sobie krzywde\b"
        # tr
        r"|\bolmek (?:isterdim|istiyom)\b|\bben (?:bir )?yukum\b|\bkimse (?:beni )?ozlemez\b|\bkendime zarar\b"
        r"|\byasamanin (?:bir )?anlami (?:yok|kalmadi)\b|\bartik dayanamiyorum\b|\bkaybolmak istiyorum\b",
    ),
    (
        "distress_hinglish",
        "self",
        r"\b(?:jeena|jina|jeene|jine) (?:nahi|nahin|nai|nhi)\b|\b(?:jeene|jine) ka (?:mann|man|mood|koi matlab|koi "
        r"faida|fayda) (?:nahi|nahin|nai|nhi)\b|\bmarna (?:hai|chahta|chahti|chahata)\b|\bmar jana (?:chahta|chahti|"
        r"hai)\b|\bmar (?:jaun|jau|jaunga|jaungi|jaana chahta)\b|\b(?:khud ko|apne aap ko) (?:khatam|maar|hurt|"
        r"nuksan|chot|kaat)\w*\b|\bkhudkushi\b|\baatmahatya\b|\bzindagi(?: se)? (?:thak|tang|bekaar|bekar|khatam|"
        r"bojh)\w*\b|\bsab khatam kar\w*\b|\bmain (?:bojh|burden) hoon\b|\bmere bina (?:sab )?(?:behtar|khush)\b"
        r"|\bsuicide kar\w*\b|\bjeene ki (?:ichha|icha|wajah) (?:nahi|nahin|nai|nhi)\b|\bzinda (?:nahi|nahin|nai|nhi) "
        r"rehna\b|\bab (?:aur )?(?:nahi|nahin|nhi) (?:jee|ji) (?:sakta|sakti)\b",
    ),
    (
        "distress_id",
        "self",
        r"\b(?:aku|saya|gue|gw|ku)?\s?(?:ingin|pengen|pingin|mau|ingin sekali) (?:mati|bunuh diri|mengakhiri hidup|"
        r"menghilang selamanya|tidur selamanya)\b|\bbunuh diri\b|\bmengakhiri hidup\w*\b|\b(?:capek|cape|lelah|"
        r"muak|bosan) (?:hidup|dengan hidup)\b|\b(?:tidak|nggak|ngga|gak|ga|enggak) (?:mau|ingin|pengen) hidup "
        r"(?:lagi)?\b|\b(?:menyakiti|melukai|nyakitin|nyakiti) diri\w*\b|\bsilet tangan\w*\b|\bhidup (?:ini )?"
        r"(?:tidak|nggak|gak|ga) ada (?:artinya|gunanya|artinya lagi)\b|\bsemua lebih baik tanpa (?:aku|saya|gue)\b"
        r"|\baku (?:cuma|hanya) beban\b",
    ),
    (
        "distress_tl",
        "self",
        r"\b(?:gusto|gusto ko|gusto ko na|gusto ko nang) (?:na |nang )?(?:mamatay|magpakamatay|mawala na lang|mawala "
        r"nalang)\b|\bmagpakamatay\b|\bpagpapakamatay\b|\b(?:ayoko|ayaw ko) (?:na|nang) (?:mabuhay|gumising|mag exist)"
        r"\b|\bpagod na (?:akong|ako na) mabuhay\b|\bwalang saysay (?:ang )?(?:buhay|mabuhay)\b|\b(?:sinasaktan|"
        r"saktan|sinaktan) ko (?:ang )?sarili ko\b|\bpabigat (?:lang )?ako\b|\bmas (?:okay|mabuti) (?:sila )?kung wala "
        r"(?:na )?ako\b",
    ),
    (
        "distress_ar_latin",
        "self",
        r"\b(?:nefsy|nefsi|nifsi|nifsy|nafsi|ana|ayez|ayza|eayez|eayza|aayez|aayza|aawez|aawza)\w* (?:amoo?t|amut)\b"
        r"|\b(?:a2tel|aktel|a2tol|eaktel|aqtel) (?:nafs\w*|nefs\w*)\b|\bentehar\w*\b|\bmesh (?:ayez|eayez|ayza|eayza) "
        r"(?:aeesh|aaeesh|aeish|eaeesh|a3eesh)\b|\bzehe?7?t men el (?:hayah|hayat|7ayah)\b",
    ),
    (
        "distress_ru_latin",
        "self",
        r"\b(?:hochu|khochu|xochu) (?:umeret|umeret|umirat|pokonchit|ischeznut|ne zhit|ne jit)\w*\b|\bne (?:hochu|khoch"
        r"u|"
        r"xochu) (?:zhit|jit|zhyt|bolshe zhit|prosypatsya)\b|\bpokonchit s soboj\b|\bpokonchit s soboi\b|\bpokonchit s "
        r"soboy\b|\bubit sebya\b|\bustal(?:a)? (?:zhit|ot zhizni)\b|\bnadoelo zhit\b|\brezhu sebya\b",
    ),
    (
        "distress_vi",
        "self",
        r"\b(?:toi|tao|minh|em|con)?\s?(?:muon|mun) (?:chet|tu tu|bien mat mai mai|bien mat)\b|\btu sat\b"
        r"|\b(?:khong|ko|k) (?:muon|mun) song (?:nua)?\b|\bchan song\b|\bmet moi voi cuoc song\b|\bsong (?:khong|ko) "
        r"co y nghia\b|\brach tay\b|\btu lam dau ban than\b|\bket thuc cuoc doi\b|\bket thuc tat ca\b",
    ),
    (
        "harmed_more",
        "harmed",
        r"\b(?:baap|papa|pitaji|mummy|maa|chacha|mama|bhai|sauteli? \w+)\b.{0,30}\b(?:maarte|marte|peet\w*|pitai|"
        r"chhoo\w*|chhute)\b|\b(?:bapak|ayah|papa|ibu|mama|om|paman|kakak|pacar)\w*\b.{0,30}\b(?:pukul|mukul|memukul"
        r"|nampar|menampar|nyiksa|menyiksa|melecehkan|lecehin|raba|meraba)\w*\b|\b(?:tatay|nanay|tito|kuya|stepdad)"
        r"\b.{0,30}\b(?:binubugbog|sinasaktan|hinahawakan|ginahasa|minomolestya)\b|\b(?:bugbog|binubugbog) (?:ako|"
        r"niya ako)\b|\bme (?:amenaza|amenazan|chantajea|chantajean) con (?:publicar|subir|ensenar|mandar) (?:mis )?"
        r"(?:fotos|videos)\b|\bmenace de (?:publier|poster|partager|montrer|envoyer) (?:mes )?(?:photos|videos|nudes)"
        r"\b|\bameaca (?:postar|publicar|mostrar|espalhar|vazar) (?:minhas )?(?:fotos|nudes|videos)\b|\bdroht\w*"
        r"(?: \w+){0,3}? (?:bilder|fotos|nacktbilder|videos)\b(?: \w+){0,3}? (?:zu )?(?:posten|verbreiten|zeigen|"
        r"schicken|veroffentlichen)\b|\bdreigt\w*(?: \w+){0,3}? (?:fotos|foto s|naaktfotos|videos)\b",
    ),
)

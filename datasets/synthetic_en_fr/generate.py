"""Generate the synthetic English->French corpus in this folder.

A small hand-written grammar (no network, no third-party package) produces
English sentences and their one French translation, applying French agreement
and spelling rules: article and adjective agreement and placement (BAGS
adjectives before the noun, bel/vieil/nouvel, ``de`` for ``des`` before an
adjective), elision (l', j', n', d', qu'), contraction (au, du),
subject-verb agreement over all six persons, negation (ne ... pas, with
``pas de`` for indefinite and partitive objects), the present, the passé
composé (avoir or être, with agreement after être), the futur proche, the
imparfait of être, yes/no questions (Est-ce que ... ?), wh-questions,
imperatives, possessives and prepositional phrases.

Conventions: English "you" is always "tu" and "you all" is "vous"; "they" is
"ils"; French ? and ! follow a plain space (``Est-ce que tu manges ?``).

Run from anywhere; it rewrites ``train.tsv``, ``valid.tsv`` and ``test.tsv``
in the package's data folder, ``tf_lstm/translation/corpora/synthetic_en_fr/``
(or in ``--out``), and is deterministic: the same seed gives byte-identical
files.

    python datasets/synthetic_en_fr/generate.py [--out DIR] [--seed 2024]
"""

import argparse
import random
import re
from pathlib import Path

SEED = 2024
SPLITS = {"train": 20000, "valid": 1000, "test": 1000}
PACKAGE_DATA = (Path(__file__).resolve().parents[2]
                / "tf_lstm" / "translation" / "corpora" / "synthetic_en_fr")
VOWELS = tuple("aeiouyàâéèêëîïôûùœh")  # every h-word below has a mute h


def vowel(word):
    return word.lower().startswith(VOWELS)


# --- Lexicon ---------------------------------------------------------------
# Nouns: English singular[/plural], French singular[/plural], gender, tags.
def _noun(en, fr, g, tags):
    en_sg, _, en_pl = en.partition("/")
    fr_sg, _, fr_pl = fr.partition("/")
    return dict(en=en_sg, en_pl=en_pl or en_sg + "s", fr=fr_sg,
                fr_pl=fr_pl or fr_sg + "s", g=g, tags=set(tags.split()))


NOUNS = [_noun(*row) for row in [
    # people (P)
    ("boy", "garçon", "m", "P"), ("girl", "fille", "f", "P"), ("man/men", "homme", "m", "P"),
    ("woman/women", "femme", "f", "P"), ("child/children", "enfant", "m", "P"),
    ("brother", "frère", "m", "P"), ("sister", "sœur", "f", "P"), ("father", "père", "m", "P"),
    ("mother", "mère", "f", "P"), ("friend", "ami", "m", "P"), ("neighbor", "voisin", "m", "P"),
    ("doctor", "médecin", "m", "P"), ("teacher", "professeur", "m", "P"),
    # animals (A)
    ("dog", "chien", "m", "A"), ("cat", "chat", "m", "A"), ("bird", "oiseau/oiseaux", "m", "A"),
    ("horse", "cheval/chevaux", "m", "A"), ("mouse/mice", "souris/souris", "f", "A"),
    ("rabbit", "lapin", "m", "A"),
    # food (F), drinks (D); M: mass nouns, with partitive articles
    ("apple", "pomme", "f", "F"), ("cake", "gâteau/gâteaux", "m", "F"), ("egg", "œuf", "m", "F"),
    ("orange", "orange", "f", "F"), ("sandwich/sandwiches", "sandwich", "m", "F"),
    ("tomato/tomatoes", "tomate", "f", "F"), ("bread", "pain", "m", "F M"),
    ("cheese", "fromage", "m", "F M"), ("soup", "soupe", "f", "F M"),
    ("chicken", "poulet", "m", "F M"), ("water", "eau", "f", "D M"), ("milk", "lait", "m", "D M"),
    ("coffee", "café", "m", "D M"), ("tea", "thé", "m", "D M"), ("juice", "jus/jus", "m", "D M"),
    # things: O portable, X openable, B breakable, C container, R readable,
    # W writable, V vehicle, U furniture, T tree, H house
    ("book", "livre", "m", "O X R W"), ("letter", "lettre", "f", "O X R W"),
    ("newspaper", "journal/journaux", "m", "O R"), ("story/stories", "histoire", "f", "R W"),
    ("song", "chanson", "f", "W"), ("key", "clé", "f", "O"), ("bag", "sac", "m", "O X C"),
    ("box/boxes", "boîte", "f", "O X C"), ("phone", "téléphone", "m", "O B"),
    ("watch/watches", "montre", "f", "O B"), ("umbrella", "parapluie", "m", "O"),
    ("pen", "stylo", "m", "O"), ("hat", "chapeau/chapeaux", "m", "O"),
    ("coat", "manteau/manteaux", "m", "O"), ("ball", "ballon", "m", "O"),
    ("cup", "tasse", "f", "O B"), ("glass/glasses", "verre", "m", "O B"),
    ("bottle", "bouteille", "f", "O B X"), ("computer", "ordinateur", "m", "B"),
    ("car", "voiture", "f", "V"), ("bike", "vélo", "m", "V"), ("door", "porte", "f", "X"),
    ("window", "fenêtre", "f", "X B"), ("chair", "chaise", "f", "U"), ("table", "table", "f", "U"),
    ("bed", "lit", "m", "U"), ("picture", "photo", "f", "O"), ("flower", "fleur", "f", "O"),
    ("tree", "arbre", "m", "T"), ("house", "maison", "f", "H"),
    # places (L); "at"/"in": whether English says "at the X" / "in the X"
    ("park", "parc", "m", "L in at"), ("school", "école", "f", "L at"),
    ("station", "gare", "f", "L at"), ("beach/beaches", "plage", "f", "L at"),
    ("market", "marché", "m", "L at"), ("library/libraries", "bibliothèque", "f", "L at"),
    ("museum", "musée", "m", "L at"), ("hospital", "hôpital/hôpitaux", "m", "L at"),
    ("restaurant", "restaurant", "m", "L at in"), ("office", "bureau/bureaux", "m", "L at"),
    ("church/churches", "église", "f", "L in"), ("garden", "jardin", "m", "L in"),
    ("kitchen", "cuisine", "f", "L in"), ("bank", "banque", "f", "L at"),
    ("pool", "piscine", "f", "L at in"), ("hotel", "hôtel", "m", "L at in"),
]]
BY_TAG = {}
for _n in NOUNS:
    for _t in _n["tags"]:
        BY_TAG.setdefault(_t, []).append(_n)

NAMES = [("Paul", "m"), ("Marie", "f"), ("Thomas", "m"), ("Sophie", "f"),
         ("Pierre", "m"), ("Julie", "f"), ("Emma", "f"), ("Lucas", "m"),
         ("Anne", "f"), ("Louis", "m")]

# Adjectives: English, French forms "ms fs mp fp [ms-before-vowel]", tags.
# "pre" adjectives go before the French noun. Tags say which nouns they suit.
ADJS = [dict(en=en, fr=fr.split(), pre=pre, tags=set(tags.split()))
        for en, fr, pre, tags in [
    ("small", "petit petite petits petites", True, "P A O V H L U X B T C"),
    ("big", "grand grande grands grandes", True, "P A O V H L U X T C"),
    ("beautiful", "beau belle beaux belles bel", True, "A O V H L T"),
    ("old", "vieux vieille vieux vieilles vieil", True, "P A O V H L U T"),
    ("new", "nouveau nouvelle nouveaux nouvelles nouvel", True, "O V H B"),
    ("young", "jeune jeune jeunes jeunes", True, "P A"),
    ("good", "bon bonne bons bonnes", True, "F D R W"),
    ("bad", "mauvais mauvaise mauvais mauvaises", True, "F D R W"),
    ("red", "rouge rouge rouges rouges", False, "O V X U C F"),
    ("black", "noir noire noirs noires", False, "A O V X U C"),
    ("white", "blanc blanche blancs blanches", False, "A O V X U C H"),
    ("green", "vert verte verts vertes", False, "O V X U C F"),
    ("blue", "bleu bleue bleus bleues", False, "O V X U C"),
    ("expensive", "cher chère chers chères", False, "O V B H F D"),
    ("dirty", "sale sale sales sales", False, "O V H L U B"),
    ("empty", "vide vide vides vides", False, "C B X H L"),
    ("cold", "froid froide froids froides", False, "F D H"),
    ("happy", "heureux heureuse heureux heureuses", False, "P"),
    ("sad", "triste triste tristes tristes", False, "P"),
    ("tired", "fatigué fatiguée fatigués fatiguées", False, "P A"),
    ("kind", "gentil gentille gentils gentilles", False, "P A"),
    ("smart", "intelligent intelligente intelligents intelligentes", False, "P A"),
    ("sick", "malade malade malades malades", False, "P A"),
]]

# Verbs. English: base[/3sg/past/ing]; French: infinitive, then either one
# of the regular classes or explicit present forms (je..ils) and participle.
# obj: noun tags for the direct object ("" = intransitive); aux e = être;
# flags: s = stative (no progressive), n = no past, g = generic objects only
# (definite/possessive), w = needs a destination/location.
def _verb(en, fr, obj="", aux="a", flags="", pres=None, pp=None):
    base, s3, past, ing = (en.split("/") + [None] * 4)[:4]
    if " " in base:
        head, _, rest = base.partition(" ")
        s3 = s3 or _s3(head) + " " + rest
        ing = ing or _ing(head) + " " + rest
    s3, ing = s3 or _s3(base), ing or _ing(base)
    past = past or _ed(base)
    stem = fr[:-2]
    if pres is None and fr.endswith("er"):
        soft = "e" if stem.endswith("g") else ""
        pres = [stem + e for e in ("e", "es", "e", soft + "ons", "ez", "ent")]
    elif pres is None:  # -ir like finir
        pres = [stem + e for e in ("is", "is", "it", "issons", "issez", "issent")]
    else:
        pres = pres.split()
    if pp is None:
        pp = stem + ("é" if fr.endswith("er") else "i")
    imp = pres[0] if fr.endswith("er") or fr == "ouvrir" else pres[1]
    return dict(en=base, s3=s3, past=past, ing=ing, inf=fr, pres=pres, pp=pp,
                imp=imp, obj=set(obj.split()), aux=aux, flags=flags)


def _s3(v):
    if re.search(r"(s|sh|ch|x|o)$", v):
        return v + "es"
    return v[:-1] + "ies" if re.search(r"[^aeiou]y$", v) else v + "s"


def _ing(v):
    if v.endswith("e") and not v.endswith("ee"):
        return v[:-1] + "ing"
    return v + "ing"


def _ed(v):
    if v.endswith("e"):
        return v + "d"
    return v[:-1] + "ied" if re.search(r"[^aeiou]y$", v) else v + "ed"


VERBS = [
    _verb("eat/eats/ate", "manger", "F"),
    _verb("drink/drinks/drank", "boire", "D", pres="bois bois boit buvons buvez boivent", pp="bu"),
    _verb("see/sees/saw", "voir", "P A O V H L T", flags="s",
          pres="vois vois voit voyons voyez voient", pp="vu"),
    _verb("like", "aimer", "P A F D O V H L T", flags="sg"),
    _verb("buy/buys/bought", "acheter", "F O V H",
          pres="achète achètes achète achetons achetez achètent"),
    _verb("read/reads/read", "lire", "R", pres="lis lis lit lisons lisez lisent", pp="lu"),
    _verb("write/writes/wrote", "écrire", "W",
          pres="écris écris écrit écrivons écrivez écrivent", pp="écrit"),
    _verb("take/takes/took", "prendre", "O",
          pres="prends prends prend prenons prenez prennent", pp="pris"),
    _verb("look for/looks for/looked for", "chercher", "P A O"),
    _verb("find/finds/found", "trouver", "A O"),
    _verb("open", "ouvrir", "X", pres="ouvre ouvres ouvre ouvrons ouvrez ouvrent", pp="ouvert"),
    _verb("close", "fermer", "X"),
    _verb("wait for/waits for/waited for", "attendre", "P",
          pres="attends attends attend attendons attendez attendent", pp="attendu"),
    _verb("call", "appeler", "P", pres="appelle appelles appelle appelons appelez appellent"),
    _verb("help", "aider", "P"),
    _verb("know/knows", "connaître", "P L", flags="sn",
          pres="connais connais connaît connaissons connaissez connaissent", pp="connu"),
    _verb("visit", "visiter", "L"),
    _verb("choose/chooses/chose", "choisir", "F O"),
    _verb("prepare", "préparer", "F"),
    _verb("have/has", "avoir", "A O V", flags="sn", pres="ai as a avons avez ont", pp="eu"),
    _verb("want", "vouloir", "F D O V", flags="sn",
          pres="veux veux veut voulons voulez veulent", pp="voulu"),
    _verb("break/breaks/broke", "casser", "B"),
    _verb("fix", "réparer", "B V"),
    # intransitive
    _verb("sleep/sleeps/slept", "dormir",
          pres="dors dors dort dormons dormez dorment", pp="dormi"),
    _verb("work", "travailler"),
    _verb("sing/sings/sang", "chanter"),
    _verb("swim/swims/swam/swimming", "nager"),
    _verb("run/runs/ran/running", "courir",
          pres="cours cours court courons courez courent", pp="couru"),
    _verb("play", "jouer"),
    _verb("laugh", "rire", pres="ris ris rit rions riez rient", pp="ri"),
    _verb("arrive", "arriver", aux="e"),
    _verb("leave/leaves/left", "partir", aux="e",
          pres="pars pars part partons partez partent", pp="parti"),
    _verb("come/comes/came", "venir", aux="e", flags="w",
          pres="viens viens vient venons venez viennent", pp="venu"),
    _verb("go/goes/went", "aller", aux="e", flags="w",
          pres="vais vas va allons allez vont", pp="allé"),
    _verb("stay", "rester", aux="e"),
    _verb("fall/falls/fell", "tomber", aux="e"),
]
VERBS_BY_INF = {v["inf"]: v for v in VERBS}
VERBS_BY_INF["aller"]["imp"] = "va"
ETRE = "suis es est sommes êtes sont".split()
ETAIT = "étais étais était étions étiez étaient".split()
EN_BE = ["am", "are", "is", "are", "are", "are"]
EN_WAS = ["was", "were", "was", "were", "were", "were"]
PRONOUNS = [("I", "je", 0, "m"), ("you", "tu", 1, "m"), ("he", "il", 2, "m"),
            ("she", "elle", 2, "f"), ("we", "nous", 3, "m"),
            ("you all", "vous", 4, "m"), ("they", "ils", 5, "m")]
POSS_EN = ["my", "your", "his", "her", "our", "their"]
POSS_FR = {"my": ("mon", "ma", "mes"), "your": ("ton", "ta", "tes"),
           "his": ("son", "sa", "ses"), "her": ("son", "sa", "ses"),
           "our": ("notre", "notre", "nos"), "their": ("leur", "leur", "leurs")}
TIME = {"pres": [("today", "aujourd'hui"), ("now", "maintenant"), ("every day", "tous les jours"),
                 ("this morning", "ce matin"), ("tonight", "ce soir")],
        "past": [("yesterday", "hier"), ("this morning", "ce matin"),
                 ("last week", "la semaine dernière")],
        "fut": [("tomorrow", "demain"), ("tonight", "ce soir"),
                ("next week", "la semaine prochaine")]}
PREPS = [("near", "près de"), ("in front of", "devant"), ("behind", "derrière")]


# --- Noun phrases -----------------------------------------------------------
def noun_phrase(r, tags, dets="def indef poss dem name num part", neg=False, noun=None,
                no_your=False, plural=True):
    """Return (en, fr, person, number, gender) for a random noun phrase."""
    if noun is None:
        noun = r.choice([n for t in tags for n in BY_TAG.get(t, [])])
    dets = dets.split()
    mass = "M" in noun["tags"]
    if "part" in dets and not mass:
        dets.remove("part")
    if mass:
        dets = [d for d in dets if d not in ("indef", "num")]
    if noun["en"] in ("man", "woman") and "poss" in dets:
        dets.remove("poss")  # "my man" is not a kinship term
    det = r.choice(dets)
    pl = not mass and det != "part" and (det == "num" or r.random() < 0.35 and plural)
    g = noun["g"]
    adj = None
    if r.random() < 0.3:
        adjs = [a for a in ADJS if a["tags"] & noun["tags"]]
        adj = r.choice(adjs) if adjs else None
    en_noun, fr_noun = (noun["en_pl"], noun["fr_pl"]) if pl else (noun["en"], noun["fr"])
    fr_words, en_words = [fr_noun], [en_noun]
    if adj:
        forms = adj["fr"]
        form = forms[(g == "f") + 2 * pl]
        if adj["pre"] and not pl and g == "m" and vowel(fr_noun) and len(forms) > 4:
            form = forms[4]  # bel, vieil, nouvel
        fr_words = [form, fr_noun] if adj["pre"] else [fr_noun, form]
        en_words = [adj["en"], en_noun]
    first = fr_words[0]
    if det == "def" or det == "name":
        fr_det, en_det = ("les" if pl else "le" if g == "m" else "la"), "the"
    elif det == "indef":
        if neg:
            fr_det = "de"
        elif pl:
            fr_det = "de" if adj and adj["pre"] else "des"
        else:
            fr_det = "un" if g == "m" else "une"
        en_det = "" if pl else ("an" if vowel(en_words[0]) and en_words[0][0] != "h" else "a")
        if neg:
            en_det = "any" if pl else en_det
    elif det == "part":
        fr_det = "de" if neg else {"m": "du", "f": "de la"}[g]
        en_det = "any" if neg else "some"
    elif det == "dem":
        fr_det = "ces" if pl else ("cet" if vowel(first) else "ce") if g == "m" else "cette"
        en_det = "these" if pl else "this"
    elif det == "num":
        en_det, fr_det = r.choice([("two", "deux"), ("three", "trois")])
    else:  # possessive
        en_det = r.choice([p for p in POSS_EN if not (no_your and p == "your")])
        forms = POSS_FR[en_det]
        fr_det = forms[2] if pl else forms[0] if g == "m" or vowel(first) else forms[1]
    fr = " ".join([fr_det] + fr_words)
    en = " ".join(w for w in [en_det] + en_words if w)
    if det == "name":
        name, _ = r.choice(NAMES)
        fr = f"{fr} de {name}"
        en = f"{name}'s " + " ".join(en_words)
    return en, fr, 2 + 3 * pl, pl, g


def subject(r, third_only=False, tags="P"):
    """Return (en, fr, person 0-5, plural, gender)."""
    k = r.random()
    if k < 0.55:
        choices = [p for p in PRONOUNS if not third_only or p[2] in (2, 5)]
        en, fr, person, g = r.choice(choices)
        return en, fr, person, person >= 3, g
    if k < 0.68:
        name, g = r.choice(NAMES)
        return name, name, 2, False, g
    return noun_phrase(r, tags.split(), dets="def poss dem name")


def place(r, verb=None):
    noun = r.choice(BY_TAG["L"])
    np_en, np_fr, *_ = noun_phrase(r, ["L"], dets="def poss dem", noun=noun, plural=False)
    if verb is not None and verb["inf"] in ("aller", "venir", "revenir"):
        return f"to {np_en}", f"à {np_fr}"
    if verb is not None and verb["inf"] == "arriver":
        return f"at {np_en}", f"à {np_fr}"
    options = [(p_en, p_fr) for p_en, p_fr in PREPS]
    if "at" in noun["tags"]:
        options.append(("at", "à"))
    if "in" in noun["tags"]:
        options.append(("in", "dans"))
    p_en, p_fr = r.choice(options)
    return f"{p_en} {np_en}", f"{p_fr} {np_fr}"


# --- Verb phrases and sentences --------------------------------------------
def verb_group(r, verb, s, tense, neg, question):
    """English (auxiliary, rest) and the French verb group for subject s."""
    person, plural, g = s[2], s[3], s[4]
    fr_neg = ("ne", "pas") if neg else ("", "")
    not_ = " not" if neg else ""
    if tense == "pres":
        if "s" not in verb["flags"] and r.random() < 0.3:  # progressive
            en = (EN_BE[person] + not_, verb["ing"])
        elif neg or question:
            en = (("does" if person == 2 else "do") + not_, verb["en"])
        else:
            en = ("", verb["s3"] if person == 2 else verb["en"])
        fr = [fr_neg[0], verb["pres"][person], fr_neg[1]]
    elif tense == "past":
        en = ("did" + not_, verb["en"]) if neg or question else ("", verb["past"])
        if verb["aux"] == "e":
            pp = verb["pp"] + ("e" if g == "f" else "") + ("s" if plural else "")
            fr = [fr_neg[0], ETRE[person], fr_neg[1], pp]
        else:
            fr = [fr_neg[0], VERBS_BY_INF["avoir"]["pres"][person], fr_neg[1], verb["pp"]]
    else:  # futur proche
        en = (EN_BE[person] + not_, "going to " + verb["en"])
        fr = [fr_neg[0], VERBS_BY_INF["aller"]["pres"][person], fr_neg[1], verb["inf"]]
    return en[0], en[1], " ".join(w for w in fr if w)


def assemble(kind, subj, en_aux, en_rest, fr_verb, tail_en, tail_fr, wh=None):
    """Word order for statements, yes/no questions and wh-questions."""
    if kind == "decl":
        return [subj[0], en_aux, en_rest] + tail_en, [subj[1], fr_verb] + tail_fr, ".", "."
    head, _, rest = en_aux.partition(" ")
    wh_en = {None: "", "what": "what", "whoobj": "who", "where": "where",
             "when": "when", "why": "why"}[wh]
    wh_fr = {None: "est-ce que", "what": "qu'est-ce que", "whoobj": "qui est-ce que",
             "where": "où est-ce que", "when": "quand est-ce que",
             "why": "pourquoi est-ce que"}[wh]
    return ([wh_en, head, subj[0], rest, en_rest] + tail_en,
            [wh_fr, subj[1], fr_verb] + tail_fr, "?", " ?")


def action(r, kind):
    """A sentence built on one of VERBS."""
    verb = r.choice(VERBS)
    tense = r.choice(["pres", "fut"] if "n" in verb["flags"] else ["pres", "past", "fut"])
    neg = kind == "decl" and r.random() < 0.35
    wh = None
    if kind == "wh":
        wh = r.choice(["what", "who", "whoobj", "where", "when", "why"])
        if wh == "what" and not verb["obj"] or wh == "whoobj" and "P" not in verb["obj"]:
            wh = r.choice(["where", "when", "why"])
        if wh == "where" and "s" in verb["flags"]:
            wh = "why"
    # être verbs in the passé composé only with 3rd-person subjects, whose
    # gender English shows (or defaults to masculine, as for "they" -> ils)
    third = verb["aux"] == "e" and tense == "past"
    if wh == "who":
        subj = ("who", "qui", 2, False, "m")
    else:
        subj = subject(r, third_only=third, tags="P" if verb["obj"] else "P A")
    tail_en, tail_fr = [], []
    if verb["obj"] and wh not in ("what", "whoobj"):
        generic = "g" in verb["flags"]
        dets = "def poss dem name" if generic else "def indef poss dem name num part"
        o_en, o_fr, *_ = noun_phrase(r, sorted(verb["obj"]), dets=dets, neg=neg,
                                     no_your=subj[0] == "you all")
        tail_en, tail_fr = [o_en], [o_fr]
    roll = r.random()
    placeable = "n" not in verb["flags"] and verb["inf"] != "partir"
    if wh != "where" and ("w" in verb["flags"] or roll < 0.3 and placeable):
        p_en, p_fr = place(r, verb)
        tail_en.append(p_en), tail_fr.append(p_fr)
    elif wh not in ("where", "when") and roll < 0.55:
        t_en, t_fr = r.choice(TIME[tense])
        tail_en.append(t_en), tail_fr.append(t_fr)
    elif wh is None and verb["obj"] and "s" not in verb["flags"] and roll < 0.65:
        who_en, who_fr, *_ = subject(r)  # for him -> pour lui
        who_en = {"I": "me", "he": "him", "she": "her", "we": "us",
                  "they": "them"}.get(who_en, who_en)
        who_fr = {"je": "moi", "tu": "toi", "il": "lui", "ils": "eux"}.get(who_fr, who_fr)
        tail_en.append("for " + who_en), tail_fr.append("pour " + who_fr)
    en_aux, en_rest, fr_verb = verb_group(r, verb, subj, tense, neg,
                                          kind != "decl" and wh != "who")
    if wh == "who":
        return (["who", en_aux, en_rest] + tail_en, ["qui", fr_verb] + tail_fr, "?", " ?")
    return assemble(kind, subj, en_aux, en_rest, fr_verb, tail_en, tail_fr, wh)


def copula(r, kind):
    """X is ADJ / X is PLACE, with être in the present, imparfait or futur proche."""
    tense = r.choice(["pres", "past", "fut"])
    neg = kind == "decl" and r.random() < 0.35
    if r.random() < 0.5:  # adjective predicate: 3rd person only (gender known)
        noun_tags = r.choice(["P", "A", "O", "F", "D", "V", "H", "L", "U", "X", "B", "C"])
        if noun_tags == "P":
            subj = subject(r, third_only=True)
        else:
            subj = noun_phrase(r, [noun_tags], dets="def poss dem name")
        adj = r.choice([a for a in ADJS if noun_tags in a["tags"]])
        tail_en, tail_fr = [adj["en"]], [adj["fr"][(subj[4] == "f") + 2 * subj[3]]]
        wh = None
    else:
        subj = subject(r, tags="P A O V")
        wh = "where" if kind == "wh" else None
        tail_en, tail_fr = ([], []) if wh else place(r)
        tail_en, tail_fr = ([tail_en], [tail_fr]) if tail_en else ([], [])
    person = subj[2]
    not_ = " not" if neg else ""
    fr_neg = ("ne ", " pas") if neg else ("", "")
    if tense == "pres":
        en_aux, en_rest, fr_v = EN_BE[person] + not_, "", fr_neg[0] + ETRE[person] + fr_neg[1]
    elif tense == "past":
        en_aux, en_rest, fr_v = EN_WAS[person] + not_, "", fr_neg[0] + ETAIT[person] + fr_neg[1]
    else:
        en_aux, en_rest = EN_BE[person] + not_, "going to be"
        fr_v = fr_neg[0] + VERBS_BY_INF["aller"]["pres"][person] + fr_neg[1] + " être"
    pronoun = subj[1] in [p[1] for p in PRONOUNS]
    if wh == "where" and tense != "fut" and not pronoun:  # Où est le chat ?
        return ["where", en_aux, subj[0]], ["où", fr_v, subj[1]], "?", " ?"
    if wh == "where":  # Où est-ce que tu es ?
        return assemble("wh", subj, en_aux, en_rest, fr_v, [], [], "where")
    return assemble("yn" if kind == "wh" else kind, subj, en_aux, en_rest, fr_v, tail_en, tail_fr)


def there_is(r, kind):
    """There is / are ... -> Il y a ... (present only)."""
    neg = kind == "decl" and r.random() < 0.35
    o_en, o_fr, _, pl, _ = noun_phrase(r, ["P", "A", "O", "F", "U", "T"],
                                       dets="indef part" if neg else "indef num part", neg=neg)
    if neg and o_en.startswith("any"):
        o_en = o_en.replace("any ", "no ", 1)
    elif neg:
        o_en = "no " + o_en.split(" ", 1)[1]
    p_en, p_fr = place(r) if r.random() < 0.5 else r.choice([
        ("on the table", "sur la table"), ("under the bed", "sous le lit"),
        ("in the box", "dans la boîte"), ("in the bag", "dans le sac")])
    be = "are" if pl else "is"
    fr = "il n'y a pas" if neg else "il y a"
    if kind == "decl":
        return ["there", be, o_en, p_en], [fr, o_fr, p_fr], ".", "."
    return [be, "there", o_en, p_en], ["est-ce qu'il y a", o_fr, p_fr], "?", " ?"


def imperative(r, kind):
    """Open the door! / Let's go to the park! (tu and nous forms)."""
    verb = r.choice([v for v in VERBS if "s" not in v["flags"]])
    neg = r.random() < 0.3
    lets = r.random() < 0.4
    fr_v = verb["pres"][3] if lets else verb["imp"]
    fr_v = f"ne {fr_v} pas" if neg else fr_v
    en_v = ("let's not " if neg else "let's ") + verb["en"] if lets else \
        ("do not " if neg else "") + verb["en"]
    tail_en, tail_fr = [], []
    if verb["obj"]:
        dets = "def poss dem name" if "g" in verb["flags"] else "def indef poss dem name"
        o_en, o_fr, *_ = noun_phrase(r, sorted(verb["obj"]), dets=dets, neg=neg)
        tail_en, tail_fr = [o_en], [o_fr]
    if "w" in verb["flags"] or r.random() < 0.3:
        p_en, p_fr = place(r, verb)
        tail_en.append(p_en), tail_fr.append(p_fr)
    return [en_v] + tail_en, [fr_v] + tail_fr, "!", " !"


ELIDE = {"je": "j'", "ne": "n'", "que": "qu'", "de": "d'", "le": "l'", "la": "l'"}
CONTRACT = [(r"\bà les\b", "aux"), (r"\bà le\b", "au"), (r"\bde les\b", "des"),
            (r"\bde le\b", "du")]


def finish(en_words, fr_words, end_en, end_fr):
    """Join words, apply French elision and contraction, capitalise."""
    en = " ".join(w for w in en_words if w)
    words = " ".join(w for w in fr_words if w).split(" ")
    out = []
    for w in words:
        if out and out[-1] in ELIDE and vowel(w):
            out[-1] = ELIDE[out[-1]] + w
        else:
            out.append(w)
    fr = " ".join(out)
    for pattern, repl in CONTRACT:
        fr = re.sub(pattern, repl, fr)
    return en[0].upper() + en[1:] + end_en, fr[0].upper() + fr[1:] + end_fr


def sentence(r):
    kind = r.choices(["decl", "yn", "wh"], weights=[6, 2, 2])[0]
    builder = r.choices([action, copula, there_is, imperative], weights=[12, 5, 1, 2])[0]
    if builder is imperative:
        kind = "decl"
    return finish(*builder(r, kind))


def generate(seed=SEED, sizes=SPLITS):
    """Return {split: [(en, fr), ...]} with distinct English sentences."""
    r = random.Random(seed)
    total = sum(sizes.values())
    pairs = {}
    while len(pairs) < total:
        en, fr = sentence(r)
        if 3 <= len(en.split()) <= 14 and 3 <= len(fr.split()) <= 14 and en not in pairs:
            pairs[en] = fr
    items = list(pairs.items())
    r.shuffle(items)
    out, start = {}, 0
    for name, n in sizes.items():
        out[name] = items[start:start + n]
        start += n
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PACKAGE_DATA)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    splits = generate(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, pairs in splits.items():
        text = "".join(f"{en}\t{fr}\n" for en, fr in pairs)
        (args.out / f"{name}.tsv").write_bytes(text.encode("utf-8"))
        print(f"{name}.tsv: {len(pairs)} pairs")


if __name__ == "__main__":
    main()

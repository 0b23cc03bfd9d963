//! Word classes the rules need besides valence: intensifiers, dampeners,
//! negators, contrast words and the "functional" verbs whose negation is a
//! complaint in reviews ("didn't work", "never arrived").
//!
//! Every token gets an [`Info`] from one hash look-up, so the rules test
//! bit flags instead of comparing strings.
//!
//! The VADER lists reproduce the reference model's behaviour for the
//! baseline; the domain lists extend them for reviews.

/// VADER's increment for an intensifier ("very good").
pub(crate) const BOOST_INCR: f32 = 0.293;
/// VADER's decrement for a dampener ("slightly good").
pub(crate) const BOOST_DECR: f32 = -0.293;
/// VADER's emphasis for a word in capitals within mixed-case text.
pub(crate) const CAPS_INCR: f32 = 0.733;
/// VADER's negation scalar ("not good" = -0.74 × good).
pub(crate) const NEGATION_SCALAR: f32 = -0.74;

/// VADER's intensifiers.
pub(crate) const VADER_INTENSIFIERS: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "effing",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "flipping",
    "flippin",
    "frackin",
    "fracking",
    "fricking",
    "frickin",
    "frigging",
    "friggin",
    "fully",
    "fuckin",
    "fucking",
    "fuggin",
    "fugging",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "uber",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
];

/// VADER's dampeners.
pub(crate) const VADER_DAMPENERS: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "kindof",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sorta",
    "sortof",
];

/// Review-domain intensifiers (informal emphasis common in reviews). A word
/// that has a lexicon valence of its own keeps it and is not an intensifier.
pub(crate) const DOMAIN_INTENSIFIERS: &[&str] = &[
    "super",
    "seriously",
    "ridiculously",
    "insanely",
    "beyond",
    "way",
    "wayyy",
    "sooo",
    "soooo",
    "truly",
    "definitely",
    "downright",
    "painfully",
    "horribly",
    "terribly",
    "absurdly",
    "outright",
    "such",
    "huge",
];

/// Review-domain dampeners.
pub(crate) const DOMAIN_DAMPENERS: &[&str] =
    &["fairly", "mostly", "relatively", "reasonably", "a bit"];

/// VADER's negators (plus any word ending in "n't").
pub(crate) const VADER_NEGATORS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "dont", "hadnt",
    "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither", "neednt", "never", "none", "nope",
    "nor", "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
    "without", "wont", "wouldnt", "rarely", "seldom", "despite", "no",
];

/// Review-domain negators.
pub(crate) const DOMAIN_NEGATORS: &[&str] = &[
    "nobody", "noone", "zero", "lack", "lacks", "lacked", "lacking", "w/o", "minimal",
];

/// Contrast words: the clause after them carries the opinion.
pub(crate) const CONTRAST: &[&str] = &["but", "however"];

/// Verbs (and particles) of things that should have happened: negated, they
/// are a complaint even without an emotional word ("didn't work",
/// "never arrived", "no one called back", "won't charge").
pub(crate) const FUNCTIONAL_VERBS: &[&str] = &[
    "work",
    "works",
    "worked",
    "working",
    "function",
    "functions",
    "functioned",
    "fit",
    "fits",
    "lasts",
    "lasted",
    "charge",
    "charges",
    "hold",
    "holds",
    "stay",
    "stays",
    "connect",
    "connects",
    "connected",
    "pair",
    "arrive",
    "arrives",
    "arrived",
    "deliver",
    "delivered",
    "receive",
    "received",
    "call",
    "called",
    "answer",
    "answered",
    "respond",
    "responded",
    "reply",
    "replied",
    "refund",
    "refunded",
    "fix",
    "fixed",
    "recognize",
    "recognized",
    "sync",
    "apologize",
    "apologized",
    "apologise",
    "apologised",
    "acknowledge",
    "acknowledged",
    "bother",
    "bothered",
    "listen",
    "listened",
    "explain",
    "explained",
    "honor",
    "honored",
    "refunds",
    "responds",
    "answers",
    "greet",
    "greeted",
    "included",
    "properly",
    "correctly",
    "snug",
    "match",
    "matched",
    "compatible",
    "communicate",
    "play",
    "plays",
    "load",
    "loads",
    "eject",
    "ejects",
    "boot",
    "boots",
    "ship",
    "shipped",
    "recognise",
    "detect",
    "detects",
    "install",
    "installs",
    "recognizes",
    "read",
    "reads",
    "close",
    "closes",
    "open",
    "opens",
    "show",
    "shows",
    "focus",
    "focuses",
    "print",
    "prints",
    "start",
    "starts",
    "power",
];

/// Negates the words after it.
pub(crate) const NEGATOR: u16 = 1;
/// "but", "however": shifts weight to the clause after it.
pub(crate) const CONTRAST_WORD: u16 = 1 << 1;
/// A verb whose negation is a complaint ("work", "arrive", "call").
pub(crate) const FUNCTIONAL: u16 = 1 << 2;
/// Starts a wait ("waited").
pub(crate) const WAIT: u16 = 1 << 3;
/// Starts a delay ("took").
pub(crate) const TOOK: u16 = 1 << 4;
/// Says the customer would come back ("back", "again").
pub(crate) const RETURN: u16 = 1 << 5;
/// A number word ("forty", "an") or "no" before "stars".
pub(crate) const NUMBER_WORD: u16 = 1 << 6;
/// A sarcasm marker or its first word ("🙄", "yeah", "/").
pub(crate) const SARCASM: u16 = 1 << 7;
/// First word of a repeat marker ("third", "yet").
pub(crate) const REPEAT: u16 = 1 << 8;
/// "oh" (sarcastic "oh great").
pub(crate) const OH: u16 = 1 << 9;
/// "too" (excess: "too salty").
pub(crate) const TOO: u16 = 1 << 10;
/// Appears as a non-first word of some lexicon phrase.
pub(crate) const PHRASE_PART: u16 = 1 << 11;
/// A time unit ("minutes", "hour").
pub(crate) const UNIT: u16 = 1 << 12;
/// "star", "stars".
pub(crate) const STAR: u16 = 1 << 13;
/// "a", "an", "no": a number only before a unit or "stars" ("an hour", "no stars").
pub(crate) const ARTICLE: u16 = 1 << 14;

/// Class: a dish or drink served hot ("coffee", "fries").
pub(crate) const HOT_FOOD: u8 = 1;
/// Class: a drink or dish served cold ("beer", "soda", "salad").
pub(crate) const COLD_FOOD: u8 = 1 << 1;
/// Class: any food or drink ("bread", "steak", "coffee").
pub(crate) const FOOD: u8 = 1 << 2;
/// Class: what a customer ordered or was sent ("order", "delivery", "items").
pub(crate) const ORDER: u8 = 1 << 3;
/// Class: an adjective of a service defect ("cold", "stale", "wrong").
pub(crate) const DEFECT: u8 = 1 << 4;
/// Class: a verb of ordering or receiving, the cue of a clock-time wait ("ordered", "arrived").
pub(crate) const CLOCK_CUE: u8 = 1 << 5;
/// Class: a taste or sense word that "too" turns into a complaint even though
/// the lexicon rates it positive ("too sweet", "too rich").
pub(crate) const EXCESS_OK: u8 = 1 << 6;
/// Class: an ordinal of a repeat ("second", "3rd", "umpteenth").
pub(crate) const ORDINAL: u8 = 1 << 7;

/// Dishes and drinks served hot: "cold" is a defect for them.
pub(crate) const HOT_FOODS: &[&str] = &[
    "coffee",
    "coffees",
    "latte",
    "lattes",
    "cappuccino",
    "tea",
    "cocoa",
    "chocolate",
    "food",
    "fries",
    "pizza",
    "pizzas",
    "soup",
    "burger",
    "burgers",
    "meal",
    "meals",
    "dinner",
    "lunch",
    "breakfast",
    "eggs",
    "toast",
    "pasta",
    "steak",
    "chicken",
    "rice",
    "noodles",
    "sandwich",
    "sandwiches",
    "bagel",
    "croissant",
    "croissants",
    "pancakes",
    "waffles",
    "wings",
    "tacos",
    "burrito",
    "curry",
    "ramen",
    "pho",
    "entree",
    "entrees",
    "plate",
    "plates",
    "dish",
    "dishes",
    "americano",
    "espresso",
    "mocha",
    "bacon",
    "potatoes",
    "nuggets",
    "fish",
    "pie",
    "stew",
];
/// Drinks and dishes served cold: "warm" or "flat" is a defect for them.
pub(crate) const COLD_FOODS: &[&str] = &[
    "beer",
    "beers",
    "soda",
    "sodas",
    "coke",
    "pop",
    "drink",
    "drinks",
    "salad",
    "smoothie",
    "milkshake",
    "shake",
    "lemonade",
    "champagne",
    "cider",
    "prosecco",
];
/// Other food words ("bread stale", "cake dry").
pub(crate) const OTHER_FOODS: &[&str] = &[
    "salsa",
    "guacamole",
    "bread",
    "cake",
    "cakes",
    "cookie",
    "cookies",
    "muffin",
    "muffins",
    "pastry",
    "pastries",
    "donut",
    "donuts",
    "doughnut",
    "bun",
    "buns",
    "roll",
    "rolls",
    "scone",
    "scones",
    "cupcake",
    "cupcakes",
    "crust",
    "dough",
    "meat",
    "pork",
    "beef",
    "lamb",
    "salmon",
    "shrimp",
    "veggies",
    "vegetables",
    "sushi",
    "taco",
    "cheese",
    "sauce",
    "brownie",
    "pretzel",
    "biscuit",
    "biscuits",
];
/// What a customer ordered or was sent.
pub(crate) const ORDERS: &[&str] = &[
    "order", "orders", "delivery", "package", "parcel", "item", "items", "bill", "change",
    "receipt", "shipment", "box",
];
/// Defect adjectives and the noun classes they describe; `true` when the
/// adjective can also stand before its noun ("cold coffee", not "raw oysters").
pub(crate) const DEFECTS: &[(&str, u8, bool)] = &[
    ("cold", HOT_FOOD, true),
    ("lukewarm", HOT_FOOD | COLD_FOOD, true),
    ("tepid", HOT_FOOD | COLD_FOOD, true),
    ("warm", COLD_FOOD, false),
    ("flat", COLD_FOOD, false),
    ("raw", FOOD, false),
    ("undercooked", FOOD, true),
    ("overcooked", FOOD, true),
    ("overdone", FOOD, true),
    ("burnt", FOOD, true),
    ("burned", FOOD, true),
    ("stale", FOOD, true),
    ("soggy", FOOD, true),
    ("mushy", FOOD, true),
    ("watery", FOOD, true),
    ("rubbery", FOOD, true),
    ("tough", FOOD, false),
    ("hard", FOOD, false),
    ("dry", FOOD, false),
    ("bland", FOOD, true),
    ("greasy", FOOD, true),
    ("melted", COLD_FOOD, false),
    ("wrong", ORDER | FOOD, true),
    ("missing", ORDER | FOOD, true),
    ("incomplete", ORDER, true),
    ("late", ORDER, false),
    ("damaged", ORDER, true),
    ("short", ORDER, false),
];
/// Verbs of ordering and receiving: two clock times near them are a wait.
pub(crate) const CLOCK_CUES: &[&str] = &[
    "ordered",
    "order",
    "arrived",
    "got",
    "came",
    "delivered",
    "delivery",
    "seated",
    "served",
    "booked",
    "reservation",
    "called",
    "waited",
    "received",
    "picked",
    "showed",
    "placed",
    "paid",
    "checked",
    "food",
];
/// Taste and sense words "too" makes a complaint of ("too sweet").
pub(crate) const EXCESS_WORDS: &[&str] = &[
    "sweet", "rich", "strong", "sugary", "heavy", "creamy", "cheesy", "spicy", "hot", "busy",
    "crowded", "loud", "full", "fancy", "bright", "soft", "big", "large",
];
/// Ordinals of a repeat ("for the second time").
pub(crate) const ORDINALS: &[&str] = &[
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "2nd",
    "3rd",
    "4th",
    "5th",
    "6th",
    "nth",
    "umpteenth",
    "hundredth",
    "millionth",
    "tenth",
    "10th",
];

/// Rule bit ([`Info::rules`]): opens a conditional clause ("if", "unless").
pub(crate) const RULE_CONDITIONAL: u16 = 1;
/// Rule bit: a remedy verb ("solved", "prevents").
pub(crate) const RULE_REMEDY: u16 = 1 << 1;
/// Rule bit: negative slang that praises before praise ("wicked good").
pub(crate) const RULE_SLANG: u16 = 1 << 2;
/// Rule bit: a verb whose "back" is no return ("bring back").
pub(crate) const RULE_NOT_RETURN: u16 = 1 << 3;
/// Rule bit: a verb of a product's life ("worked", "died").
pub(crate) const RULE_LIFE: u16 = 1 << 4;
/// Rule bit: praise that did not last ("until", "first").
pub(crate) const RULE_DECLINE: u16 = 1 << 5;
/// Rule bit: a wish ("wish", "wished").
pub(crate) const RULE_WISH: u16 = 1 << 6;
/// Rule bit: a problem went away ("disappeared", "resolved").
pub(crate) const RULE_GONE: u16 = 1 << 7;
/// Rule bit: presence, negated after a problem ("not present").
pub(crate) const RULE_PRESENCE: u16 = 1 << 8;
/// Rule bit: having a feature ("has", "doesn't have").
pub(crate) const RULE_HAVE: u16 = 1 << 9;
/// Rule bit: something foreign in food ("hair", "fly").
pub(crate) const RULE_CONTAMINANT: u16 = 1 << 10;
/// Rule bit: "than" of a comparison with this product.
pub(crate) const RULE_THAN: u16 = 1 << 11;
/// Rule bit: "only" of a limitation.
pub(crate) const RULE_ONLY: u16 = 1 << 12;
/// Rule bit: "let" of "don't let X fool you".
pub(crate) const RULE_LET: u16 = 1 << 13;
/// Rule bit: starts some rule family of `families` ("how", "used", "house").
pub(crate) const RULE_FAMILY: u16 = 1 << 14;

/// Open a conditional clause, whose opinion words count half ("if you have problems, ...").
pub(crate) const CONDITIONALS: &[&str] = &["if", "unless"];
/// Verbs that remove the problem named after them ("solved the problem",
/// "protects against damage"): the problem word is no complaint.
pub(crate) const REMEDIES: &[&str] = &[
    "solve",
    "solves",
    "solved",
    "solving",
    "fix",
    "fixes",
    "fixed",
    "fixing",
    "eliminate",
    "eliminates",
    "eliminated",
    "prevent",
    "prevents",
    "prevented",
    "reduce",
    "reduces",
    "reduced",
    "cure",
    "cures",
    "cured",
    "resolve",
    "resolves",
    "resolved",
    "overcome",
    "against",
    "avoid",
    "avoids",
    "avoiding",
    "minimize",
    "minimizes",
    "minimise",
    "minimises",
];
/// Negative slang that praises before a praise word ("wicked good", "crazy delicious").
pub(crate) const SLANG_INTENSIFIERS: &[&str] = &[
    "wicked",
    "crazy",
    "stupid",
    "insane",
    "scary",
    "damn",
    "freaking",
    "freakin",
    "sick",
    "mad",
    "ridiculous",
    "killer",
    "dangerously",
    "sinfully",
    "obscenely",
];
/// Verbs with "back" that are no return ("doesn't bring back the picture").
pub(crate) const NOT_RETURN_VERBS: &[&str] = &[
    "bring", "brings", "bringing", "brought", "look", "looking", "looked", "turn", "turns", "put",
    "puts", "play", "plays", "scroll", "sit", "lean", "hold", "roll", "switch", "flip", "fall",
    "falls", "kick", "step", "hit", "set", "talk", "talked", "talking", "hold",
];

/// Markers of praise that did not last ("great while it lasted", "fine
/// for the first month", "loved it until it broke").
pub(crate) const DECLINE_WORDS: &[&str] = &["while", "first", "1st", "until", "till", "before"];
/// Verbs of a product's life, matched by text ("worked for two weeks").
pub(crate) const LIFE_WORDS: &[&str] = &[
    "worked", "lasted", "used", "quit", "quits", "died", "broke", "failed", "stopped",
];

/// What the rules need to know about one word, found with one look-up.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Info {
    /// Lexicon valence of the word alone, if listed.
    pub valence: Option<f32>,
    /// Most tokens of a lexicon phrase starting with this word (0: none).
    pub phrase_max: u8,
    /// Intensifier (> 0) or dampener (< 0) increment.
    pub boost: f32,
    /// Bit flags ([`NEGATOR`], [`WAIT`], ...).
    pub flags: u16,
    /// Domain word classes of the complaint rules ([`HOT_FOOD`], [`DEFECT`], ...).
    pub class: u8,
    /// Which word-list rules the word starts ([`RULE_REMEDY`], ...); one
    /// bit per rule, so a rule skips a text none of whose words start it.
    pub rules: u16,
}

impl Info {
    /// Whether the word has flag `f`.
    pub fn is(&self, f: u16) -> bool {
        self.flags & f != 0
    }

    /// Whether the word starts rule `r` (a `RULE_` bit).
    pub fn starts(&self, r: u16) -> bool {
        self.rules & r != 0
    }
}

/// Words that carry a pattern flag in the domain model.
pub(crate) fn pattern_words() -> [(&'static [&'static str], u16); 11] {
    [
        (
            &[
                "wait", "waited", "waiting", "waits", "sat", "stood", "queued", "hold",
            ],
            WAIT,
        ),
        (&["took", "takes", "taking", "take"], TOOK),
        (
            &[
                "back",
                "again",
                "return",
                "returning",
                "revisit",
                "revisiting",
            ],
            RETURN,
        ),
        (
            &[
                "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve", "half", "couple", "few", "several", "fifteen", "twenty",
                "thirty", "forty", "fifty", "sixty", "ninety",
            ],
            NUMBER_WORD,
        ),
        (&["a", "an", "no"], ARTICLE),
        (
            &[
                "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "day", "days",
                "week", "weeks", "month", "months", "year", "years", "yr", "yrs",
            ],
            UNIT,
        ),
        (&["star", "stars"], STAR),
        (
            &[
                "\u{1F644}",
                "\u{1F612}",
                "\u{1F643}",
                "\u{1F611}",
                "yeah",
                "/",
            ],
            SARCASM,
        ),
        (
            &[
                "third", "3rd", "fourth", "4th", "fifth", "5th", "yet", "once", "again", "time",
                "keeps", "kept", "every", "same",
            ],
            REPEAT,
        ),
        (&["oh"], OH),
        (&["too"], TOO),
    ]
}

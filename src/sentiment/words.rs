//! Word classes the rules need besides valence: the flags, classes and rule
//! bits a word can carry (intensifiers, dampeners, negators, contrast words,
//! the "functional" verbs whose negation is a complaint in reviews, ...).
//! The words of each class are data, in `data/words/` (see [`super::lists`]).
//!
//! Every token gets an [`Info`] from one hash look-up, so the rules test
//! bit flags instead of comparing strings.
//!
//! The VADER lists reproduce the reference model's behaviour for the
//! baseline; the domain lists extend them for reviews.

use super::lists::{REPEAT_STARTS, RETURN_WORDS, SARCASM_STARTS, TOOK_WORDS, WAIT_WORDS};

/// VADER's increment for an intensifier ("very good").
pub(crate) const BOOST_INCR: f32 = 0.293;
/// VADER's decrement for a dampener ("slightly good").
pub(crate) const BOOST_DECR: f32 = -0.293;
/// VADER's emphasis for a word in capitals within mixed-case text.
pub(crate) const CAPS_INCR: f32 = 0.733;
/// VADER's negation scalar ("not good" = -0.74 × good).
pub(crate) const NEGATION_SCALAR: f32 = -0.74;

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

/// Words that carry a pattern flag in the domain model. Number words, articles
/// and time units stay here: `quantities.rs` knows their values.
pub(crate) fn pattern_words() -> [(&'static [&'static str], u16); 11] {
    [
        (WAIT_WORDS, WAIT),
        (TOOK_WORDS, TOOK),
        (RETURN_WORDS, RETURN),
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
        (SARCASM_STARTS, SARCASM),
        (REPEAT_STARTS, REPEAT),
        (&["oh"], OH),
        (&["too"], TOO),
    ]
}

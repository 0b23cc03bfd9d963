//! Which posts are not in English, so the English lexicon does not score them.
//!
//! A French complaint scored with English words comes out "neutral" and is never seen;
//! an English post wrongly set aside is worse. So a text is called foreign only when all
//! of these hold:
//! - it is long enough to judge: at least [`MIN_WORDS`] words and [`MIN_LETTERS`]
//!   letters (a script written without spaces, such as Japanese, needs the letters only);
//! - few of its words are common English ones;
//! - and either most of its letters are of another script than the Latin one (Cyrillic,
//!   Greek, Arabic, Japanese…), which no English post is, and whatlang names the
//!   language; or it has the marks of another Latin-script language (two of its common
//!   short words, "le", "und", "het", "que", or three accented letters) and whatlang names
//!   a language other than English, says it is reliable, with a confidence of at least
//!   [`MIN_CONFIDENCE`].
//!
//! The first looks are word counts over the start of the text; whatlang (a trigram model,
//! the costly part) runs only on the few texts they leave in doubt, so telling languages
//! apart costs the scorer little.

use std::fmt;
use std::sync::OnceLock;

use crate::store::sql::{FromSql, SqlError, SqlResult, ToSql, Value};
use whatlang::Lang;

/// Fewer words than this is too short to judge ("merci beaucoup", "gracias!!").
pub const MIN_WORDS: usize = 4;
/// Fewer letters than this is too short to judge.
pub const MIN_LETTERS: usize = 20;
/// whatlang's confidence (0..1) below which a text is not set aside. whatlang calls a
/// detection reliable above 0.9; this asks for a clear lead over the second language.
pub const MIN_CONFIDENCE: f64 = 0.95;
/// A text with at least this share of common English words is English, whatever the
/// trigrams say (slang and names move trigrams; "the", "and", "with" do not lie).
const ENGLISH_WORD_SHARE: f64 = 0.08;
/// This many common English words (at the share above) settle that a text is English.
const ENGLISH_EVIDENCE: usize = 3;
/// A Latin-script text is worth asking whatlang about with this many common words of
/// another language…
const FOREIGN_EVIDENCE: usize = 2;
/// …or this many accented letters (ł, ş, ő: languages without a word list here).
const ACCENT_EVIDENCE: usize = 3;
/// Detection reads at most this many bytes: a language shows in its first lines, and a
/// long post costs no more than a short one.
const SAMPLE_BYTES: usize = 600;

/// Common English words that are not also common words of the languages Earshot meets
/// most (so no "a", "also", "bad", "best", "come", "even", "he", "in", "is", "of", "on",
/// "over", "place", "see", "service", "so", "want", "was", "we", "die", "do", "no", "me":
/// those are Spanish, Dutch, German, French, Italian or Portuguese words too).
const ENGLISH_WORDS: &str = "about after again all always and any are around at away \
    back be because been before being better bit but by came can can't could day did \
    didn't does doesn't don't down ever every first food for friendly from get go going \
    good got great had has have her here his how i'd i'll i'm i've if into isn't it it's \
    its just know like little look love loved made make many more most much my need \
    never nice not nothing now off one only or other our out people really recommend \
    right said same say she should since some something still such than thank thanks \
    that the their them then there these they thing things think this those though \
    through time to too two up us very way well went were what when where which while \
    who why will with without won't work would year you your";

/// Short words of French, Spanish, German, Portuguese, Dutch and Italian that an English
/// post hardly uses (so no "a", "in", "is", "was", "per", "van", "las", "pour", "era").
const FOREIGN_WORDS: &str = "le la les et est une des du que qui pas avec dans sur \
    très nous vous ils elle je j'ai c'est mais ou au aux ce cette sont été était \
    el los y es una del por con para muy pero lo se su al está fue \
    der die das und ist ein eine nicht mit sich auf für sehr wir ich sie zu den dem auch \
    aber o os e é um uma de do da dos das não com muito mas foi em \
    het een en niet op voor zijn ik wij heel maar ook il gli è un che di della molto ma sono";

/// The languages whatlang weighs a text in the Latin script against: the ones of the
/// posts a business meets most. Fewer candidates make detection faster, and an English
/// post is compared with the languages it could be confused with, not with Latin or Zulu.
const LATIN_CANDIDATES: [Lang; 16] = [
    Lang::Eng,
    Lang::Spa,
    Lang::Por,
    Lang::Fra,
    Lang::Deu,
    Lang::Ita,
    Lang::Nld,
    Lang::Swe,
    Lang::Dan,
    Lang::Nob,
    Lang::Fin,
    Lang::Pol,
    Lang::Tur,
    Lang::Ces,
    Lang::Ron,
    Lang::Hun,
];

/// A language a mention is written in, other than English: stored as its ISO 639-3 code
/// (`fra`, `deu`, `jpn`) and shown by its English name ("French").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language(Lang);

impl Language {
    /// ISO 639-3 code, as stored and exported.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// English name, as people see it: "French".
    pub fn name(self) -> &'static str {
        self.0.eng_name()
    }

    /// The language with this ISO 639-3 code, if whatlang knows it.
    pub fn from_code(code: &str) -> Option<Language> {
        Lang::from_code(code).map(Language)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl ToSql for Language {
    fn to_value(&self) -> Value {
        Value::Text(self.code().to_string())
    }
}

impl FromSql for Language {
    fn from_value(value: Value, column: usize) -> SqlResult<Self> {
        let code = String::from_value(value, column)?;
        Language::from_code(&code)
            .ok_or_else(|| SqlError::Unknown(format!("unknown language '{code}' in the database")))
    }
}

/// The language `text` is written in, when it is confidently not English; None for
/// English, for text too short to judge, and whenever detection is unsure.
pub fn foreign_language(text: &str) -> Option<Language> {
    let sample = sample(text);
    let counts = Counts::of(sample);
    if !counts.long_enough() || counts.mostly_english() {
        return None;
    }
    if counts.mostly_other_scripts() {
        // Written in another script: certainly not English, whatever whatlang's confidence
        // between its languages (Russian or Ukrainian). Detected without the Latin
        // letters: in "DrecomRSSに記事投稿が反映されない" nine of them outvote each
        // Japanese script, and whatlang would read "drecomrss" as Catalan.
        let other_scripts: String = sample.chars().filter(|c| !is_latin(*c)).collect();
        let info = whatlang::detect(&other_scripts)?;
        return (info.lang() != Lang::Eng).then_some(Language(info.lang()));
    }
    if !counts.marked_foreign() {
        return None; // "A quiet, disquieting triumph.": English words, none of the list
    }
    let info = latin_detector().detect(sample)?;
    let sure = info.is_reliable() && info.confidence() >= MIN_CONFIDENCE;
    (sure && info.lang() != Lang::Eng).then_some(Language(info.lang()))
}

/// whatlang's detector for [`LATIN_CANDIDATES`], built once.
fn latin_detector() -> &'static whatlang::Detector {
    static DETECTOR: OnceLock<whatlang::Detector> = OnceLock::new();
    DETECTOR.get_or_init(|| whatlang::Detector::with_allowlist(LATIN_CANDIDATES.to_vec()))
}

/// The start of `text`, cut at a character boundary.
fn sample(text: &str) -> &str {
    if text.len() <= SAMPLE_BYTES {
        return text;
    }
    let mut end = SAMPLE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What the cheap first look counts.
#[derive(Debug, Default)]
struct Counts {
    words: usize,
    english_words: usize,
    foreign_words: usize,
    letters: usize,
    /// Latin letters with an accent or of another alphabet's extension (é, ß, ł).
    accented_letters: usize,
    /// Letters of other scripts than the Latin one (Cyrillic, Greek, kana, Han…).
    other_script_letters: usize,
    /// Letters of scripts written without spaces between words (Japanese, Chinese, Thai).
    unspaced_letters: usize,
}

impl Counts {
    /// Counts `text`'s words, stopping early once it is plainly English: at least
    /// [`ENGLISH_EVIDENCE`] common English words, a share of [`ENGLISH_WORD_SHARE`] of
    /// the words so far (most English posts stop within their first ten words).
    fn of(text: &str) -> Counts {
        let lists = WordLists::get();
        let mut counts = Counts::default();
        for word in text.split_whitespace() {
            let before = counts.letters;
            counts.add_letters(word);
            if counts.letters == before {
                continue; // a number, an emoji, a dash
            }
            counts.words += 1;
            let Some(key) = word_key(word) else { continue };
            let kind = lists.kind(key);
            if kind == FOREIGN {
                counts.foreign_words += 1;
            } else if kind == ENGLISH {
                counts.english_words += 1;
                if counts.english_words >= ENGLISH_EVIDENCE
                    && counts.words >= MIN_WORDS
                    && counts.letters >= MIN_LETTERS
                    && counts.mostly_english()
                {
                    break;
                }
            }
        }
        counts
    }

    /// One pass over a word's characters: letters, and which scripts they are in.
    fn add_letters(&mut self, word: &str) {
        if word.is_ascii() {
            let letters = word.bytes().filter(u8::is_ascii_alphabetic).count();
            self.letters += letters;
            return;
        }
        for c in word.chars() {
            if c.is_ascii() {
                self.letters += usize::from(c.is_ascii_alphabetic());
            } else if c.is_alphabetic() {
                self.letters += 1;
                if is_latin(c) {
                    self.accented_letters += 1;
                } else {
                    self.other_script_letters += 1;
                    self.unspaced_letters += usize::from(is_unspaced(c));
                }
            }
        }
    }

    fn long_enough(&self) -> bool {
        let unspaced = self.unspaced_letters * 2 > self.letters;
        self.letters >= MIN_LETTERS && (self.words >= MIN_WORDS || unspaced)
    }

    fn mostly_other_scripts(&self) -> bool {
        self.other_script_letters * 2 > self.letters
    }

    fn mostly_english(&self) -> bool {
        self.english_words as f64 >= self.words as f64 * ENGLISH_WORD_SHARE
    }

    /// Worth asking whatlang: another language's short words, or accents.
    fn marked_foreign(&self) -> bool {
        self.foreign_words >= FOREIGN_EVIDENCE || self.accented_letters >= ACCENT_EVIDENCE
    }
}

/// A word of [`ENGLISH_WORDS`].
const ENGLISH: u8 = 1;
/// A word of [`FOREIGN_WORDS`].
const FOREIGN: u8 = 2;
/// Slots of the word table (a power of two, a few times the words it holds).
const SLOTS: usize = 1024;

/// Both word lists in one small hash table of [`word_key`]s, built once: a word costs
/// one probe, usually, where two binary searches cost a dozen unpredictable branches.
struct WordLists {
    /// (key, ENGLISH or FOREIGN), or (0, 0) for an empty slot.
    slots: Vec<(u128, u8)>,
}

impl WordLists {
    fn get() -> &'static WordLists {
        static LISTS: OnceLock<WordLists> = OnceLock::new();
        LISTS.get_or_init(|| {
            let mut lists = WordLists {
                slots: vec![(0, 0); SLOTS],
            };
            // A word on both lists counts as foreign: the English list is the lenient one.
            for (list, kind) in [(FOREIGN_WORDS, FOREIGN), (ENGLISH_WORDS, ENGLISH)] {
                for key in list.split_whitespace().filter_map(word_key) {
                    lists.insert(key, kind);
                }
            }
            lists
        })
    }

    fn insert(&mut self, key: u128, kind: u8) {
        let mut slot = slot_of(key);
        while self.slots[slot].1 != 0 {
            if self.slots[slot].0 == key {
                return;
            }
            slot = (slot + 1) % SLOTS;
        }
        self.slots[slot] = (key, kind);
    }

    /// ENGLISH, FOREIGN, or 0 for a word on neither list.
    fn kind(&self, key: u128) -> u8 {
        let mut slot = slot_of(key);
        loop {
            let (stored, kind) = self.slots[slot];
            if kind == 0 || stored == key {
                return kind;
            }
            slot = (slot + 1) % SLOTS;
        }
    }
}

/// Where a key's probe starts: Fibonacci hashing of its two halves.
fn slot_of(key: u128) -> usize {
    let mixed = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    (mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS.trailing_zeros())) as usize
}

/// `word` lowercased, without surrounding punctuation and with a typographic apostrophe
/// made plain, as a number (its UTF-8 bytes; a binary search then compares integers).
/// None for a word of more than 16 bytes: none of the listed words is that long.
fn word_key(word: &str) -> Option<u128> {
    if word.is_ascii() {
        // Most words: bytes, no character decoding.
        let trimmed = word
            .trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .as_bytes();
        if trimmed.is_empty() || trimmed.len() > 16 {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (to, from) in bytes.iter_mut().zip(trimmed) {
            *to = from.to_ascii_lowercase();
        }
        return Some(u128::from_be_bytes(bytes));
    }
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    if word.is_empty() || word.len() > 24 {
        return None;
    }
    let mut bytes = [0u8; 16];
    let mut len = 0;
    for c in word.chars() {
        let c = if c == '\u{2019}' { '\'' } else { c };
        for lower in c.to_lowercase() {
            let mut utf8 = [0u8; 4];
            for &b in lower.encode_utf8(&mut utf8).as_bytes() {
                *bytes.get_mut(len)? = b;
                len += 1;
            }
        }
    }
    Some(u128::from_be_bytes(bytes))
}

/// `word` is one of the common English words.
#[cfg(test)]
fn is_english_word(word: &str) -> bool {
    word_key(word).is_some_and(|key| WordLists::get().kind(key) == ENGLISH)
}

/// A Latin letter: ASCII, the Latin-1 and Latin Extended blocks (é, ß, ł, ơ…).
fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{00c0}'..='\u{024f}' | '\u{1e00}'..='\u{1eff}')
}

/// A letter of a script that does not put spaces between words: Japanese kana, Chinese
/// characters, Thai, Khmer, Myanmar.
fn is_unspaced(c: char) -> bool {
    matches!(
        c,
        '\u{3040}'..='\u{30ff}'
            | '\u{3400}'..='\u{4dbf}'
            | '\u{4e00}'..='\u{9fff}'
            | '\u{0e00}'..='\u{0e7f}'
            | '\u{1780}'..='\u{17ff}'
            | '\u{1000}'..='\u{109f}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<&'static str> {
        foreign_language(text).map(Language::code)
    }

    #[test]
    fn short_english_posts_are_never_set_aside() {
        for text in [
            "ok",
            "Great coffee!",
            "meh",
            "Worst. Service. Ever.",
            "Pizza amazing, crust perfect, toppings fresh, staff friendly",
            "Cold fries, rude cashier, dirty tables, never again",
            "Croissants flaky, espresso strong, prices fair",
            "Waited 45 min, food cold",
            "lol this place is fire ngl",
            "ngl lowkey mid tbh, fries were soggy af",
            "bruh the wait was insane fr fr no cap",
            "Yum yum yum!!! 😍😍😍",
        ] {
            assert_eq!(code(text), None, "{text}");
        }
    }

    #[test]
    fn english_with_a_french_name_in_it_stays_english() {
        for text in [
            "Dinner at Chez Léon et Fils: the soupe à l'oignon was cold and the waiter rude.",
            "Le Petit Château de la Crème Brûlée is my favourite café, bravo!",
            "Tried the croque monsieur and pain au chocolat at Boulangerie Saint-Honoré",
            "Best crêpes au beurre sucre in Portland, hands down",
        ] {
            assert_eq!(code(text), None, "{text}");
        }
    }

    #[test]
    fn posts_in_other_languages_are_recognised() {
        for (text, expected) in [
            (
                "Nous avons attendu quarante minutes et personne ne s'est excusé, très déçus.",
                "fra",
            ),
            (
                "Esperamos más de una hora y la comida llegó fría, muy mal servicio.",
                "spa",
            ),
            (
                "Wir haben eine Stunde gewartet und das Essen war kalt, sehr enttäuschend.",
                "deu",
            ),
            (
                "Esperamos mais de uma hora e a comida chegou fria, péssimo atendimento.",
                "por",
            ),
            (
                "We hebben een uur gewacht en het eten was koud, erg teleurstellend.",
                "nld",
            ),
            (
                "Abbiamo aspettato più di un'ora e il cibo era freddo, servizio pessimo.",
                "ita",
            ),
            (
                "一時間も待たされて、料理は冷めていました。店員の態度も最悪です。",
                "jpn",
            ),
            (
                "Czekaliśmy godzinę, jedzenie było zimne, obsługa bardzo niemiła.",
                "pol",
            ),
            // Latin brand names in another script are not what the post is written in.
            ("DrecomRSSに記事投稿が反映されない…", "jpn"),
            (
                "Заказ из Harbor Bakery привезли холодным и на час позже.",
                "rus",
            ),
        ] {
            assert_eq!(code(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn too_short_to_judge_is_left_to_the_lexicon() {
        // whatlang would guess at these; three words or 19 letters is not enough.
        for text in [
            "merci beaucoup",
            "muy mal servicio",
            "sehr gut, danke",
            "très déçu",
            "最悪です",
        ] {
            assert_eq!(code(text), None, "{text}");
        }
        let counts = Counts::of("Nous avons attendu longtemps");
        assert!(counts.long_enough(), "{counts:?}");
        assert!(!Counts::of("Nous avons attendu").long_enough());
        assert!(
            !Counts::of("un deux trois quatre").long_enough(),
            "few letters"
        );
    }

    #[test]
    fn a_text_full_of_english_words_is_english_without_asking_whatlang() {
        let counts = Counts::of("The staff were lovely and the bread was fresh");
        assert!(counts.mostly_english(), "{counts:?}");
        let counts = Counts::of("Nous avons attendu quarante minutes et personne");
        assert!(!counts.mostly_english(), "{counts:?}");
        assert!(is_english_word("The,"));
        assert!(is_english_word("didn\u{2019}t"));
        assert!(!is_english_word("was"), "German 'was' is no evidence");
        assert!(is_english_word("Won\u{2019}t!"));
        assert!(!is_english_word("the-the-the-the-the-the"));
    }

    #[test]
    fn every_listed_word_is_found_in_the_table_and_no_other() {
        let lists = WordLists::get();
        for (list, kind) in [(FOREIGN_WORDS, FOREIGN), (ENGLISH_WORDS, ENGLISH)] {
            for word in list.split_whitespace() {
                assert_eq!(lists.kind(word_key(word).unwrap()), kind, "{word}");
            }
        }
        for word in ["bread", "cold", "gewartet", "attendu", "x"] {
            assert_eq!(lists.kind(word_key(word).unwrap()), 0, "{word}");
        }
    }

    #[test]
    fn only_a_text_with_marks_of_another_language_goes_to_whatlang() {
        for english in [
            "A quiet, disquieting triumph of modern cinema.",
            "Zany, exuberantly irreverent animated space adventure.",
            "Purses jammed under arms, tokens jammed in hands.",
        ] {
            let counts = Counts::of(english);
            assert!(
                !counts.mostly_english() && !counts.marked_foreign(),
                "{english}: {counts:?}"
            );
        }
        for foreign in [
            "Le pain était rassis et la serveuse désagréable.",
            "Czekaliśmy godzinę, jedzenie zimne, obsługa niemiła.",
            "Wir warten seit Stunden auf die Bestellung und nichts passiert",
        ] {
            assert!(Counts::of(foreign).marked_foreign(), "{foreign}");
        }
    }

    #[test]
    fn a_long_post_is_judged_by_its_start() {
        let long = "Wir haben eine Stunde gewartet und das Essen war kalt. ".repeat(100);
        assert_eq!(sample(&long).len(), SAMPLE_BYTES);
        assert_eq!(code(&long), Some("deu"));
        let accents = "é".repeat(SAMPLE_BYTES);
        assert!(sample(&accents).len() <= SAMPLE_BYTES);
    }

    #[test]
    fn a_language_is_stored_by_code_and_shown_by_name() {
        let french = Language::from_code("fra").unwrap();
        assert_eq!(
            (french.code(), french.to_string()),
            ("fra", "French".into())
        );
        assert_eq!(serde_json::to_string(&french).unwrap(), "\"fra\"");
        assert_eq!(Language::from_code("xx"), None);
    }
}

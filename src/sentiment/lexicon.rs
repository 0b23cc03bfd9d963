//! Term lexicon: single words, emoticons, emoji and multi-word phrases with
//! a valence on VADER's -4..+4 scale, looked up without allocating.
//!
//! Keys are normalised with the same tokenizer the scorer uses, so a phrase
//! key is exactly the space-joined slice of the scorer's lowercase buffer.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::tokenize::{tokenize, Tokens};
use super::words::PHRASE_PART;

/// The VADER 3.3.2 lexicon (MIT, see `data/VADER-LICENSE.txt`).
pub(crate) const VADER_LEXICON: &str = include_str!("data/vader_lexicon.txt");
/// Earshot's review and service-domain terms (overrides VADER where both list a term).
pub(crate) const DOMAIN_LEXICON: &str = include_str!("data/domain_lexicon.tsv");

/// A fast multiplicative hash (FxHash style, 8 bytes a step) for the short
/// keys of a lexicon; no DoS concern, since the keys are our own data.
#[derive(Clone, Copy, Default)]
pub(crate) struct Fnv(u64);

const HASH_K: u64 = 0x517c_c1b7_2722_0a95;

impl Fnv {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(HASH_K);
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
}

/// A word of at most [`WORD_KEY_BYTES`] bytes packed into two integers:
/// a map key that needs no heap pointer, so a look-up touches one cache line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordKey(u64, u64);

/// Longest word that fits a [`WordKey`]; longer words go to a side map.
pub(crate) const WORD_KEY_BYTES: usize = 16;

impl WordKey {
    /// The key of `word`, or `None` if it is longer than [`WORD_KEY_BYTES`].
    pub fn new(word: &str) -> Option<WordKey> {
        let b = word.as_bytes();
        if b.len() > WORD_KEY_BYTES {
            return None;
        }
        let mut buf = [0u8; WORD_KEY_BYTES];
        buf[..b.len()].copy_from_slice(b);
        Some(WordKey::from_window(&buf, b.len()))
    }

    /// The key of the first `len` (at most [`WORD_KEY_BYTES`]) bytes of
    /// `window`; the bytes after them are ignored. Lets the scorer read a
    /// word straight out of its (padded) buffer without copying it first.
    pub fn from_window(window: &[u8; WORD_KEY_BYTES], len: usize) -> WordKey {
        let mask = |n: usize| match n {
            0 => 0,
            1..=7 => (1u64 << (n * 8)) - 1,
            _ => u64::MAX,
        };
        let (lo, hi) = window.split_at(8);
        let lo = u64::from_le_bytes(lo.try_into().unwrap_or([0; 8])) & mask(len);
        let hi = u64::from_le_bytes(hi.try_into().unwrap_or([0; 8])) & mask(len.saturating_sub(8));
        WordKey(lo, hi)
    }
}

impl WordKey {
    /// The key's hash as the word map computes it (the prefilter's slot comes from it).
    pub fn mix(self) -> u64 {
        let mut h = Fnv::default();
        std::hash::Hash::hash(&self, &mut h);
        h.finish()
    }
}

impl std::hash::Hash for WordKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0 ^ self.1.rotate_left(29).wrapping_mul(HASH_K));
    }
}

/// A HashMap with the FNV hasher.
pub(crate) type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// A word-and-phrase lexicon.
#[derive(Debug, Default, Clone)]
pub(crate) struct Lexicon {
    /// Normalised term (tokens joined by one space) to valence.
    terms: FnvMap<Box<str>, f32>,
    /// First token of each multi-word term to the most tokens such a term has.
    phrase_starts: FnvMap<Box<str>, u8>,
}

impl Lexicon {
    /// Adds (or overrides) every `term<TAB>weight` line of `data`. Lines that
    /// are empty, start with `#`, or have no numeric weight are skipped: the
    /// data is compiled in and checked by the tests.
    pub fn add_tsv(&mut self, data: &str) {
        for line in data.lines() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(term), Some(weight)) = (fields.next(), fields.next()) else {
                continue;
            };
            if let Ok(weight) = weight.trim().parse::<f32>() {
                self.insert(term, weight);
            }
        }
    }

    /// Adds or overrides one term (a word, emoticon, emoji or phrase).
    pub fn insert(&mut self, term: &str, weight: f32) {
        let term = term.trim();
        if term.is_empty() || !weight.is_finite() {
            return;
        }
        let (key, first, count) = normalise(term);
        if key.is_empty() {
            return;
        }
        if count > 1 {
            let max = self.phrase_starts.entry(first.into()).or_insert(0);
            *max = (*max).max(count.min(u8::MAX as usize) as u8);
        }
        self.terms.insert(key.into(), weight);
    }

    /// Valence of a normalised term.
    pub fn get(&self, key: &str) -> Option<f32> {
        self.terms.get(key).copied()
    }

    /// Single-token terms (words, emoticons, emoji) and their valence.
    pub fn singles(&self) -> impl Iterator<Item = (&str, f32)> + '_ {
        self.terms
            .iter()
            .filter(|(k, _)| !k.contains(' '))
            .map(|(k, w)| (&**k, *w))
    }

    /// Every non-first token of every phrase (with repeats).
    pub fn phrase_parts(&self) -> impl Iterator<Item = &str> + '_ {
        self.terms
            .keys()
            .filter(|k| k.contains(' '))
            .flat_map(|k| k.split(' ').skip(1))
    }

    /// First tokens of phrases and the most tokens such a phrase has.
    pub fn phrase_starts(&self) -> impl Iterator<Item = (&str, u8)> + '_ {
        self.phrase_starts.iter().map(|(k, n)| (&**k, *n))
    }

    /// Longest term starting at token `i` (whose info the model has filled
    /// in): its token count and valence.
    pub fn longest_match(&self, toks: &Tokens, i: usize) -> Option<(usize, f32)> {
        let info = toks.toks[i].info;
        if info.phrase_max > 1 {
            // Only as far as the following tokens can be phrase words at all.
            let parts = toks.toks[i + 1..]
                .iter()
                .take_while(|t| t.info.is(PHRASE_PART))
                .count();
            let max = (info.phrase_max as usize).min(parts + 1);
            for n in (2..=max).rev() {
                if let Some(w) = self.get(toks.span(i, i + n)) {
                    return Some((n, w));
                }
            }
        }
        info.valence.map(|w| (1, w))
    }

    /// Number of terms.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.terms.len()
    }
}

/// Normalises a term the way the tokenizer will see it in a text. Returns
/// the key, its first token and its token count.
fn normalise(term: &str) -> (String, String, usize) {
    let lower = term.to_lowercase();
    let mut t = Tokens::default();
    tokenize(&lower, &mut t, &|_| false);
    if t.len() == 0 {
        return (String::new(), String::new(), 0);
    }
    if !lower.contains(char::is_whitespace) && t.lower != lower {
        // An emoticon such as ":-(" or "a+": the tokenizer looks it up whole.
        return (lower.clone(), lower, 1);
    }
    (t.lower.clone(), t.text(0).to_string(), t.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(words: &str) -> Lexicon {
        let mut l = Lexicon::default();
        l.add_tsv(words);
        l
    }

    #[test]
    fn vader_lexicon_loads() {
        let l = lex(VADER_LEXICON);
        assert!(l.len() > 7000);
        assert_eq!(l.get("worst"), Some(-3.1));
        assert_eq!(l.get("can't stand"), Some(-2.0));
        assert_eq!(l.get(":("), Some(-1.9));
    }

    #[test]
    fn word_keys_ignore_bytes_after_the_word() {
        let mut w = [b'x'; WORD_KEY_BYTES];
        w[..4].copy_from_slice(b"good");
        assert_eq!(
            WordKey::from_window(&w, 4),
            WordKey::new("good").expect("short word")
        );
        let long = "abcdefghijklmnop";
        let w: [u8; WORD_KEY_BYTES] = long.as_bytes().try_into().expect("16 bytes");
        assert_eq!(
            WordKey::from_window(&w, 16),
            WordKey::new(long).expect("16 bytes fit")
        );
        assert_ne!(WordKey::new("goo"), WordKey::new("good"));
        assert_eq!(WordKey::new("abcdefghijklmnopq"), None);
    }

    #[test]
    fn domain_lexicon_lines_all_parse() {
        for (n, line) in DOMAIN_LEXICON.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                fields.len(),
                2,
                "domain_lexicon.tsv:{} needs term<TAB>weight",
                n + 1
            );
            let w: f32 = fields[1].parse().expect("numeric weight in domain lexicon");
            assert!((-4.0..=4.0).contains(&w), "line {}", n + 1);
        }
    }

    #[test]
    fn phrase_starts_record_the_longest_phrase() {
        let l = lex("waste\t-1.8\nwaste of money\t-3\nwaste of\t-2\n");
        let starts: Vec<(&str, u8)> = l.phrase_starts().collect();
        assert_eq!(starts, vec![("waste", 3)]);
        assert_eq!(l.get("waste of money"), Some(-3.0));
        assert_eq!(l.singles().count(), 1);
    }

    #[test]
    fn domain_idioms_and_prices() {
        let a = crate::sentiment::shared_for_tests(true);
        use crate::sentiment::Label::{Negative, Neutral, Positive};
        for (text, label) in [
            ("Where has this place been all my life?!", Positive),
            ("Now that's how you run a cafe.", Positive),
            ("Bought a dozen rolls, got home with none left.", Positive),
            ("Worth the drive from the city.", Positive),
            ("The pastrami was unreal", Positive),
            ("Big shout-out to Lena at the counter", Positive),
            ("Ordered the large one, no regrets.", Positive),
            ("Lattes are getting pricey.", Negative),
            ("Prices keep creeping up.", Negative),
            ("They charged extra for oat milk.", Negative),
            ("Refills used to be free.", Negative),
            ("Sugar-free syrup available", Neutral),
            ("Support is nonexistent.", Negative),
            ("Now it's a nice paperweight.", Negative),
            ("Buy a better brand of headphones.", Negative),
            ("I will never buy this brand again.", Negative),
            ("Keep your receipt.", Negative),
            ("The same thing happens with every disc.", Negative),
            ("I tried to contact them for a week.", Negative),
            ("Totally worth it, I don't regret it.", Positive),
            ("A timer would have been nice.", Negative),
            ("Slow staff ruin an otherwise great cafe.", Negative),
            ("Had to deal with the manager twice.", Negative),
            ("Cheap parking nearby, you pay at the gate.", Neutral),
            ("The handle feels cheap.", Negative),
            ("We sat on the lower floor.", Neutral),
        ] {
            assert_eq!(a.score(text).label, label, "{text}");
        }
    }

    #[test]
    fn phrase_keys_are_normalised_like_text() {
        let mut l = Lexicon::default();
        l.insert("  Went  above-and-beyond ", 3.0);
        assert_eq!(l.get("went above and beyond"), Some(3.0));
    }
}

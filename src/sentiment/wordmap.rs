//! One [`Info`] per known word, found with a single hash look-up: lexicon
//! valence, phrase starts, and the word classes of the rules.

use super::lexicon::{FnvMap, Lexicon, WordKey};
use super::lists::{
    self, CONTRAST, DOMAIN_DAMPENERS, DOMAIN_INTENSIFIERS, DOMAIN_NEGATORS, FUNCTIONAL_VERBS,
    VADER_DAMPENERS, VADER_INTENSIFIERS, VADER_NEGATORS,
};
use super::words::{
    self, Info, BOOST_DECR, BOOST_INCR, CONTRAST_WORD, FUNCTIONAL, NEGATOR, PHRASE_PART,
};
use super::words::{CLOCK_CUE, COLD_FOOD, DEFECT, EXCESS_OK, FOOD, HOT_FOOD, ORDER, ORDINAL};

/// Bits in the [`WordMap`] prefilter: 2^19 bits = 64 KiB, so that at about
/// 10,000 known words a word not in the map is turned away by one bit test
/// in 98 cases of 100, without probing the hash table.
const FILTER_BITS_LOG2: u32 = 19;

/// Word to [`Info`]: short words keyed inline (no pointer to follow), the
/// rare long ones in a side map. Most words of a text are unknown, so a
/// one-bit-per-slot filter answers them first.
#[derive(Debug, Clone)]
pub(crate) struct WordMap {
    short: FnvMap<WordKey, Info>,
    long: FnvMap<Box<str>, Info>,
    filter: Box<[u64]>,
}

impl Default for WordMap {
    fn default() -> Self {
        WordMap {
            short: FnvMap::default(),
            long: FnvMap::default(),
            filter: vec![0; 1 << (FILTER_BITS_LOG2 - 6)].into_boxed_slice(),
        }
    }
}

impl WordMap {
    /// The info of a short word by key.
    pub(crate) fn get_key(&self, key: WordKey) -> Option<Info> {
        if !self.may_contain(key) {
            return None;
        }
        self.short.get(&key).copied()
    }

    /// The filter slot of a key: its top bits after one multiply.
    fn slot(key: WordKey) -> usize {
        (key.mix() >> (64 - FILTER_BITS_LOG2)) as usize
    }

    fn may_contain(&self, key: WordKey) -> bool {
        let s = Self::slot(key);
        self.filter[s >> 6] & (1 << (s & 63)) != 0
    }

    /// The info of a lowercase word, if known.
    pub fn get(&self, word: &str) -> Option<Info> {
        match WordKey::new(word) {
            Some(k) => self.get_key(k),
            None => self.long.get(word).copied(),
        }
    }

    fn entry(&mut self, word: &str) -> &mut Info {
        match WordKey::new(word) {
            Some(k) => {
                let s = Self::slot(k);
                self.filter[s >> 6] |= 1 << (s & 63);
                self.short.entry(k).or_default()
            }
            None => self.long.entry(word.into()).or_default(),
        }
    }
}

/// One [`Info`] per known word: lexicon valence, phrase starts, and the
/// word classes of the VADER rules (and of the domain rules if `domain`).
pub(crate) fn build_words(lexicon: &Lexicon, domain: bool) -> WordMap {
    let mut map: FnvMap<Box<str>, Info> = FnvMap::default();
    for (word, w) in lexicon.singles() {
        map.entry(word.into()).or_default().valence = Some(w);
    }
    for (word, n) in lexicon.phrase_starts() {
        map.entry(word.into()).or_default().phrase_max = n;
    }
    for word in lexicon.phrase_parts() {
        map.entry(word.into()).or_default().flags |= PHRASE_PART;
    }
    let mut set = |list: &[&str], f: &dyn Fn(&mut Info)| {
        for w in list {
            f(map.entry((*w).into()).or_default());
        }
    };
    set(VADER_INTENSIFIERS, &|c| c.boost = BOOST_INCR);
    set(VADER_DAMPENERS, &|c| c.boost = BOOST_DECR);
    set(VADER_NEGATORS, &|c| c.flags |= NEGATOR);
    set(CONTRAST, &|c| c.flags |= CONTRAST_WORD);
    if domain {
        set(DOMAIN_INTENSIFIERS, &|c| {
            if c.valence.is_none() {
                c.boost = BOOST_INCR;
            }
        });
        set(DOMAIN_DAMPENERS, &|c| {
            if c.valence.is_none() {
                c.boost = BOOST_DECR;
            }
        });
        set(DOMAIN_NEGATORS, &|c| c.flags |= NEGATOR);
        set(FUNCTIONAL_VERBS, &|c| c.flags |= FUNCTIONAL);
        for (list, flag) in words::pattern_words() {
            set(list, &|c| c.flags |= flag);
        }
        set(lists::HOT_FOODS, &|c| c.class |= HOT_FOOD | FOOD);
        set(lists::COLD_FOODS, &|c| c.class |= COLD_FOOD | FOOD);
        set(lists::OTHER_FOODS, &|c| c.class |= FOOD);
        set(lists::ORDERS, &|c| c.class |= ORDER);
        for (w, _, _) in lists::DEFECTS {
            set(&[w], &|c| c.class |= DEFECT);
        }
        set(lists::CLOCK_CUES, &|c| c.class |= CLOCK_CUE);
        set(lists::EXCESS_WORDS, &|c| c.class |= EXCESS_OK);
        set(lists::ORDINALS, &|c| c.class |= ORDINAL);
        for (list, rule) in [
            (lists::CONDITIONALS, words::RULE_CONDITIONAL),
            (lists::REMEDIES, words::RULE_REMEDY),
            (lists::SLANG_INTENSIFIERS, words::RULE_SLANG),
            (lists::NOT_RETURN_VERBS, words::RULE_NOT_RETURN),
            (lists::LIFE_WORDS, words::RULE_LIFE),
            (lists::DECLINE_WORDS, words::RULE_DECLINE),
            (lists::WISH_WORDS, words::RULE_WISH),
            (lists::GONE_WORDS, words::RULE_GONE),
            (lists::PRESENCE_WORDS, words::RULE_PRESENCE),
            (lists::HAVE_WORDS, words::RULE_HAVE),
            (lists::CONTAMINANTS, words::RULE_CONTAMINANT),
            (&["than"], words::RULE_THAN),
            (&["only"], words::RULE_ONLY),
            (&["let"], words::RULE_LET),
        ] {
            set(list, &|c| c.rules |= rule);
        }
        for list in super::families::TRIGGER_LISTS {
            set(list, &|c| c.rules |= words::RULE_FAMILY);
        }
    }
    let mut words = WordMap::default();
    for (word, mut info) in map {
        if word.ends_with("n't") {
            info.flags |= NEGATOR;
        }
        *words.entry(&word) = info;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_carry_valence_and_classes() {
        let mut lex = Lexicon::default();
        lex.add_tsv("good\t1.9\nnot bad\t1.2\nsuper\t2.9\n");
        let m = build_words(&lex, true);
        assert_eq!(m.get("good").and_then(|i| i.valence), Some(1.9));
        assert_eq!(m.get("not").map(|i| i.is(NEGATOR)), Some(true));
        assert_eq!(m.get("not").map(|i| i.phrase_max), Some(2));
        assert_eq!(m.get("bad").map(|i| i.is(PHRASE_PART)), Some(true));
        // A domain intensifier with a valence of its own keeps the valence.
        assert_eq!(m.get("super").map(|i| i.boost), Some(0.0));
        assert_eq!(m.get("extremely").map(|i| i.boost), Some(BOOST_INCR));
        let long = "incomprehensibilities";
        assert_eq!(m.get(long), None);
    }
}

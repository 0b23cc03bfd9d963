//! Tokenizer: splits a text into words, numbers, emoji, emoticons and
//! clause punctuation, writing every token's lowercase form into one reused
//! buffer.
//!
//! Tokens are stored in the buffer separated by single spaces, so any run of
//! consecutive tokens is a contiguous `&str` slice. That is what lets the
//! lexicon look up multi-word phrases without building a string per lookup.

use super::scan::{push_ascii_word, push_lower, split_chunk, ALPHA, CLASS, HIGH, PUNCT, SPACE};
use super::words::Info;

/// Tokens scored per text; the rest of a longer text is ignored. Some rules
/// compare every hit with every token, so this bounds the time one huge
/// text can take (a review is a few hundred tokens).
pub(crate) const MAX_TOKENS: usize = 4096;

/// What kind of thing a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters and digits, possibly with an inner apostrophe ("didn't").
    Word,
    /// Digits only, possibly with one decimal point ("45", "4.5").
    Number,
    /// One pictographic emoji character.
    Emoji,
    /// A whole whitespace-delimited chunk found in the lexicon as an emoticon.
    Emoticon,
    /// One of `. , ; : ! ? ( ) /`: clause and sentence boundaries.
    Punct,
}

/// One token: a span of the lowercase buffer plus facts about the original.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    /// Byte offset of the token in [`Tokens::lower`].
    pub start: u32,
    /// Byte offset one past the token's end in [`Tokens::lower`].
    pub end: u32,
    /// What kind of token it is.
    pub kind: Kind,
    /// Written in capitals in the original (at least two letters, none lowercase).
    pub caps: bool,
    /// Part of a multi-word lexicon phrase (set by the scorer): a negator
    /// inside "can't wait" or "without a doubt" negates nothing else.
    pub in_phrase: bool,
    /// A number written right after a currency sign ("$6", "£4.50").
    pub currency: bool,
    /// Inside a quotation of at least two words (“Happy birthday Sam”):
    /// someone else's words, which weigh less than the author's.
    pub quoted: bool,
    /// What the model knows about the word (filled in by the model).
    pub info: Info,
}

/// Reusable tokenizer output: one buffer and one token list per thread.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    /// Lowercase tokens separated by single spaces.
    pub lower: String,
    /// The tokens, in text order.
    pub toks: Vec<Token>,
    /// Number of `!` in the text.
    pub exclaims: u32,
    /// Number of `?` in the text.
    pub questions: u32,
    /// Number of word tokens written in capitals.
    pub caps_words: u32,
    /// Number of word tokens.
    pub words: u32,
    /// Union of the flags of all tokens (set by the model): lets a rule
    /// skip a text that has none of its words.
    pub flags_any: u16,
    /// Union of the rule bits of all tokens (set by the model).
    pub rules_any: u16,
    /// Union of the word classes of all tokens (set by the model).
    pub class_any: u8,
    /// Some token is [`Token::quoted`].
    pub has_quote: bool,
    /// Some number is [`Token::currency`].
    pub has_currency: bool,
    /// Scanning state: a currency sign was just seen.
    pub(crate) pending_currency: bool,
    /// Scanning state: token index where an open quotation starts.
    pub(crate) open_quote: Option<usize>,
}

impl Tokens {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.toks.len()
    }

    /// The lowercase text of token `i`.
    pub fn text(&self, i: usize) -> &str {
        let t = self.toks[i];
        &self.lower[t.start as usize..t.end as usize]
    }

    /// The lowercase text of token `i`, or "" past the end.
    pub fn get(&self, i: usize) -> &str {
        if i < self.toks.len() {
            self.text(i)
        } else {
            ""
        }
    }

    /// The lowercase text of tokens `i..j` joined by single spaces.
    pub fn span(&self, i: usize, j: usize) -> &str {
        &self.lower[self.toks[i].start as usize..self.toks[j - 1].end as usize]
    }

    /// Kind of token `i`.
    pub fn kind(&self, i: usize) -> Kind {
        self.toks[i].kind
    }

    /// True when some but not all words are in capitals: then capitals are emphasis.
    pub fn caps_emphasis(&self) -> bool {
        self.caps_words > 0 && self.caps_words < self.words
    }

    fn clear(&mut self) {
        self.lower.clear();
        self.toks.clear();
        self.exclaims = 0;
        self.questions = 0;
        self.caps_words = 0;
        self.words = 0;
        self.flags_any = 0;
        self.rules_any = 0;
        self.class_any = 0;
        self.has_quote = false;
        self.has_currency = false;
        self.pending_currency = false;
        self.open_quote = None;
    }

    /// A straight double quote: opens a quotation, or closes the open one.
    pub(crate) fn toggle_quote(&mut self) {
        match self.open_quote {
            Some(_) => self.close_quote(),
            None => self.open_quote = Some(self.toks.len()),
        }
    }

    /// An opening curly quote.
    pub(crate) fn open_quote(&mut self) {
        self.open_quote.get_or_insert(self.toks.len());
    }

    /// Closes the open quotation, if any: its tokens are marked quoted when
    /// it holds at least two words (a one-word "scare quote" is the
    /// author's own irony and keeps its weight).
    pub(crate) fn close_quote(&mut self) {
        let Some(from) = self.open_quote.take() else {
            return;
        };
        let words = self.toks[from..]
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .count();
        if words >= 2 {
            for t in &mut self.toks[from..] {
                t.quoted = true;
            }
            self.has_quote = true;
        }
    }

    pub(crate) fn push(&mut self, start: usize, kind: Kind, caps: bool) {
        if kind == Kind::Word {
            self.words += 1;
            if caps {
                self.caps_words += 1;
            }
        }
        let currency = std::mem::take(&mut self.pending_currency) && kind == Kind::Number;
        self.has_currency |= currency;
        self.toks.push(Token {
            start: start as u32,
            end: self.lower.len() as u32,
            kind,
            caps,
            in_phrase: false,
            currency,
            quoted: false,
            info: Info::default(),
        });
    }

    /// Starts a new token in the buffer and returns its byte offset.
    pub(crate) fn begin(&mut self) -> usize {
        if !self.lower.is_empty() {
            self.lower.push(' ');
        }
        self.lower.len()
    }
}

/// Could this chunk be an emoticon such as `:)`, `:-(` or `<3`?
fn emoticon_shaped(chunk: &str) -> bool {
    if chunk.len() > 8 {
        return false;
    }
    let (mut punct, mut letters) = (false, 0);
    for &b in chunk.as_bytes() {
        let c = CLASS[b as usize];
        punct |= c & PUNCT != 0;
        letters += usize::from(c & ALPHA != 0);
    }
    punct && letters <= 2
}

/// Tokenizes `text` into `out` (cleared first). `is_emoticon` says whether a
/// lowercase whitespace-delimited chunk is a known emoticon.
pub(crate) fn tokenize(text: &str, out: &mut Tokens, is_emoticon: &dyn Fn(&str) -> bool) {
    out.clear();
    out.lower.reserve(text.len() + 32);
    let bytes = text.as_bytes();
    let (mut exclaims, mut questions) = (0u32, 0u32);
    for &b in bytes {
        exclaims += u32::from(b == b'!');
        questions += u32::from(b == b'?');
    }
    out.exclaims = exclaims;
    out.questions = questions;
    for (chunk, letters_only) in chunks(text) {
        if out.toks.len() >= MAX_TOKENS {
            break;
        }
        if letters_only {
            // Most chunks are plain words: no emoticon, nothing to split.
            push_ascii_word(chunk, out);
            continue;
        }
        if emoticon_shaped(chunk) && push_emoticon(chunk, out, is_emoticon) {
            continue;
        }
        split_chunk(chunk, out);
    }
    // An unclosed quotation marks nothing.
    out.open_quote = None;
}

/// Like `str::split_whitespace` (empty chunks skipped), faster on ASCII:
/// only non-ASCII bytes are decoded to test for Unicode spaces. Each chunk
/// comes with whether it is ASCII letters only.
fn chunks(text: &str) -> impl Iterator<Item = (&str, bool)> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    // Length of the whitespace character at `i` (0 if none); only non-ASCII is decoded.
    let space_at = move |i: usize| -> usize {
        let c = CLASS[bytes[i] as usize];
        if c & HIGH == 0 {
            usize::from(c & SPACE != 0)
        } else {
            match text[i..].chars().next() {
                Some(ch) if ch.is_whitespace() => ch.len_utf8(),
                _ => 0,
            }
        }
    };
    std::iter::from_fn(move || {
        while pos < bytes.len() {
            let n = space_at(pos);
            if n == 0 {
                break;
            }
            pos += n;
        }
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let mut letters_only = ALPHA;
        loop {
            while pos < bytes.len() && CLASS[bytes[pos] as usize] & (SPACE | HIGH) == 0 {
                letters_only &= CLASS[bytes[pos] as usize];
                pos += 1;
            }
            if pos >= bytes.len() || space_at(pos) > 0 {
                break;
            }
            letters_only = 0;
            pos += utf8_len(bytes[pos]);
        }
        Some((&text[start..pos], letters_only != 0))
    })
}

/// Length of the UTF-8 sequence that starts with byte `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

/// Pushes the chunk (or the chunk without trailing sentence punctuation) as
/// one emoticon token if the lexicon knows it. Returns whether it did.
fn push_emoticon(chunk: &str, out: &mut Tokens, is_emoticon: &dyn Fn(&str) -> bool) -> bool {
    let trimmed = chunk.trim_end_matches(['.', ',', '!', '?', ';']);
    for candidate in [chunk, trimmed] {
        if candidate.is_empty() || !emoticon_shaped(candidate) {
            continue;
        }
        let mark = out.lower.len();
        let start = out.begin();
        push_lower(candidate, &mut out.lower);
        if is_emoticon(&out.lower[start..]) {
            out.push(start, Kind::Emoticon, false);
            if candidate.len() < chunk.len() {
                split_chunk(&chunk[candidate.len()..], out);
            }
            return true;
        }
        out.lower.truncate(mark);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Tokens {
        let mut t = Tokens::default();
        tokenize(text, &mut t, &|s| s == ":)" || s == "<3");
        t
    }

    #[test]
    fn words_are_lowercased_and_joined_by_spaces() {
        let t = toks("Waited 45 MINUTES, nobody came!!");
        assert_eq!(t.lower, "waited 45 minutes , nobody came !");
        assert_eq!(t.kind(1), Kind::Number);
        assert!(t.toks[2].caps);
        assert_eq!(t.exclaims, 2);
        assert_eq!(t.span(0, 3), "waited 45 minutes");
    }

    #[test]
    fn apostrophes_stay_inside_words() {
        let t = toks("It didn\u{2019}t work. 'quoted'");
        assert_eq!(t.lower, "it didn't work . quoted");
    }

    #[test]
    fn emoticons_and_emoji_are_tokens() {
        let t = toks("great job \u{1F644} love it :). <3");
        assert_eq!(t.lower, "great job \u{1F644} love it :) . <3");
        assert_eq!(t.kind(2), Kind::Emoji);
        assert_eq!(t.kind(5), Kind::Emoticon);
    }

    #[test]
    fn ratings_split_around_the_slash() {
        let t = toks("2/5, 4.5 stars");
        assert_eq!(t.lower, "2 / 5 , 4.5 stars");
    }

    #[test]
    fn numbers_split_from_units_but_not_ordinals() {
        assert_eq!(toks("40min 3rd 1.5lb").lower, "40 min 3rd 1.5 lb");
    }

    #[test]
    fn bare_contractions_get_their_apostrophe() {
        assert_eq!(
            toks("Dont buy, it wont work").lower,
            "don't buy , it won't work"
        );
    }

    #[test]
    fn unicode_spaces_split_like_split_whitespace() {
        let text = " a\u{a0}b\u{3000}c\td\u{2003}\u{1F600}e  ";
        let ours: Vec<&str> = chunks(text).map(|(c, _)| c).collect();
        let std: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(ours, std);
    }

    #[test]
    fn chunks_and_their_letters_match_a_plain_split() {
        // Pseudo-random texts over letters, digits, punctuation, controls,
        // ASCII and Unicode spaces and multi-byte characters.
        let alphabet = [
            "a",
            "Z",
            "q",
            "M",
            "1",
            ".",
            "'",
            "@",
            "[",
            "`",
            "{",
            "~",
            "\u{7f}",
            "\u{1}",
            " ",
            "\t",
            "\n",
            "\u{b}",
            "\u{c}",
            "\r",
            "\u{a0}",
            "\u{3000}",
            "\u{e9}",
            "\u{1F600}",
            "word",
            "LONGERWORD",
            "mixedCase",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            let ours: Vec<(&str, bool)> = chunks(&text).collect();
            let plain: Vec<(&str, bool)> = text
                .split_whitespace()
                .map(|c| (c, c.bytes().all(|b| b.is_ascii_alphabetic())))
                .collect();
            assert_eq!(ours, plain, "{text:?}");
        }
    }

    #[test]
    fn very_long_texts_are_cut() {
        let t = toks(&"word, ".repeat(10_000));
        assert!(t.len() <= MAX_TOKENS + 2, "{}", t.len());
    }

    #[test]
    fn quotations_of_two_words_or_more_are_marked() {
        let t = toks("It said \u{201C}Happy 40th Sam\u{201D} and was \"lovely\" \"so good\"");
        let quoted: Vec<&str> = (0..t.len())
            .filter(|&i| t.toks[i].quoted)
            .map(|i| t.text(i))
            .collect();
        assert_eq!(quoted, ["happy", "40th", "sam", "so", "good"]);
        assert!(t.has_quote);
        let t = toks("an \"unclosed quote here");
        assert!(!t.has_quote && t.toks.iter().all(|k| !k.quoted));
    }

    #[test]
    fn currency_marks_the_number() {
        let t = toks("$6 for a bun, 6 buns, \u{a3}4.50 or $ 3");
        let cur: Vec<&str> = (0..t.len())
            .filter(|&i| t.toks[i].currency)
            .map(|i| t.text(i))
            .collect();
        assert_eq!(cur, ["6", "4.50", "3"]);
    }

    #[test]
    fn hyphens_separate_words() {
        assert_eq!(toks("well-made").lower, "well made");
    }
}

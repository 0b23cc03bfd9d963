//! Deterministic synthetic mentions and customers (no randomness crate: a tiny xorshift).

/// A small deterministic generator.
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// Next number in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// One of the items.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lena", "Milo",
    "Nia", "Omar", "Pia", "Quin", "Rosa", "Sol", "Tess",
];
const LAST: &[&str] = &[
    "Abbott", "Baker", "Chen", "Diaz", "Evans", "Fox", "Gray", "Hart", "Iyer", "Jones", "Khan",
    "Lopez", "Moss", "Nash", "Ortiz", "Park", "Reed", "Shaw", "Tran", "Wu",
];
const OPENERS: &[&str] = &[
    "Stopped by Harbor Street Bakery this morning.",
    "Quick note about the bakery on Harbor Street.",
    "Third visit this month.",
    "Picked up a birthday order today.",
];
const GOOD: &[&str] = &[
    "The sourdough was wonderful and the staff were lovely.",
    "Best cardamom buns in town, friendly service.",
    "Coffee was great and the croissant perfect.",
];
const BAD: &[&str] = &[
    "Waited 40 minutes and nobody apologized.",
    "The cashier was rude and the coffee was cold.",
    "They got the cake order wrong again and never called back.",
];
const PLAIN: &[&str] = &[
    "Do they open early on Sundays?",
    "They are renovating the front room next week.",
    "Parking is on the side street.",
];

/// A person's name among 400 combinations times a suffix for more variety.
pub fn person(rng: &mut Rng, suffix_space: usize) -> String {
    format!(
        "{} {}{}",
        rng.pick(FIRST),
        rng.pick(LAST),
        rng.below(suffix_space)
    )
}

/// A mention text of a few sentences: about 1 in 4 a complaint.
pub fn mention_text(rng: &mut Rng) -> String {
    let body = match rng.below(4) {
        0 => rng.pick(BAD),
        1 => rng.pick(PLAIN),
        _ => rng.pick(GOOD),
    };
    format!(
        "{} {} (ref {})",
        rng.pick(OPENERS),
        body,
        rng.below(1_000_000)
    )
}

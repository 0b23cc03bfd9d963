//! TEMP STUB
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Negative,
    Neutral,
    Positive,
}
impl Label {
    pub fn as_str(&self) -> &'static str {
        match self {
            Label::Negative => "negative",
            Label::Neutral => "neutral",
            Label::Positive => "positive",
        }
    }
}
impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
impl std::str::FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "negative" => Ok(Label::Negative),
            "neutral" => Ok(Label::Neutral),
            "positive" => Ok(Label::Positive),
            o => Err(format!("unknown label {o}")),
        }
    }
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Term {
    pub term: String,
    pub weight: f32,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Score {
    pub value: f32,
    pub label: Label,
    pub terms: Vec<Term>,
}
#[derive(Debug, Clone)]
pub struct Options {
    pub negative_below: f32,
    pub positive_above: f32,
    pub extra_terms: Vec<(String, f32)>,
    pub domain_layer: bool,
}
impl Default for Options {
    fn default() -> Self {
        Options {
            negative_below: -0.05,
            positive_above: 0.05,
            extra_terms: vec![],
            domain_layer: true,
        }
    }
}
pub struct Analyzer {
    o: Options,
}
impl Analyzer {
    pub fn new(o: Options) -> Analyzer {
        Analyzer { o }
    }
    pub fn score(&self, text: &str) -> Score {
        self.score_with_rating(text, None)
    }
    pub fn score_with_rating(&self, text: &str, _stars: Option<f32>) -> Score {
        let t = text.to_lowercase();
        let mut v = 0.0;
        let mut terms = vec![];
        for (w, s) in [
            ("rude", -0.6f32),
            ("waited", -0.5),
            ("cold", -0.4),
            ("great", 0.5),
            ("love", 0.6),
            ("wrong", -0.5),
            ("best", 0.5),
        ] {
            if t.contains(w) {
                v += s;
                terms.push(Term {
                    term: w.into(),
                    weight: s,
                });
            }
        }
        let v = v.clamp(-1.0, 1.0);
        let label = if v < self.o.negative_below {
            Label::Negative
        } else if v > self.o.positive_above {
            Label::Positive
        } else {
            Label::Neutral
        };
        Score {
            value: v,
            label,
            terms,
        }
    }
}

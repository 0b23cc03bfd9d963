//! The reply templates: one per complaint category, one for praise, one for a customer
//! complaining again; the defaults below, or the owner's own from `[replies.templates]`.
//!
//! Templates are rendered with minijinja, set up so a placeholder is a name in single
//! braces (`{first_name}`, as people write it in the config) instead of Jinja's
//! `{{ first_name }}`; `{% if phone %}…{% endif %}` still works. A placeholder that has
//! no value is an error, never an empty gap in a message to a customer, so every
//! template is rendered once with sample values when the config is loaded
//! ([`check_template`]) and a mistake is reported there, naming the template and the
//! placeholder.

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use strum::VariantArray;

use super::Category;

/// What a template may use, in the order error messages list them.
pub const PLACEHOLDERS: [&str; 6] = [
    "first_name",
    "business",
    "signature",
    "offer",
    "phone",
    "problem",
];

/// `[replies] offer` when the config does not say.
pub const DEFAULT_OFFER: &str = "a call back today";

/// The owner's reply settings from `[replies]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplySettings {
    /// How replies are signed; `None`: "The team at {business}".
    pub signature: Option<String>,
    /// The concrete next step offered ("a call back today").
    pub offer: String,
    /// A direct line offered to a customer who complains again.
    pub phone: Option<String>,
    /// Templates replacing the defaults, by key (`waiting`, `praise`, `repeat`, …).
    pub templates: BTreeMap<String, String>,
}

impl Default for ReplySettings {
    fn default() -> Self {
        ReplySettings {
            signature: None,
            offer: DEFAULT_OFFER.to_owned(),
            phone: None,
            templates: BTreeMap::new(),
        }
    }
}

/// Which template a reply uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// A first complaint, by category.
    Complaint(Category),
    /// A complaint from a customer who complained before.
    Repeat,
    /// Praise.
    Praise,
}

impl Template {
    /// Its key in `[replies.templates]`.
    pub fn key(self) -> &'static str {
        match self {
            Template::Complaint(category) => category.key(),
            Template::Repeat => "repeat",
            Template::Praise => "praise",
        }
    }

    /// The template with `key`, if there is one.
    pub fn from_key(key: &str) -> Option<Template> {
        match key {
            "repeat" => Some(Template::Repeat),
            "praise" => Some(Template::Praise),
            _ => key.parse().ok().map(Template::Complaint),
        }
    }

    /// Every template's key, for error messages.
    pub fn keys() -> Vec<&'static str> {
        Category::VARIANTS
            .iter()
            .map(|c| c.key())
            .chain(["repeat", "praise"])
            .collect()
    }

    /// The built-in wording.
    pub fn default_source(self) -> &'static str {
        match self {
            Template::Complaint(category) => default_complaint(category),
            Template::Repeat => REPEAT,
            Template::Praise => PRAISE,
        }
    }
}

/// The next step every complaint reply ends on.
macro_rules! next_step {
    () => {
        "Reply here with the best number to reach you and we'll give you {offer}."
    };
}

const REPEAT: &str = "Hi {first_name},\n\n\
    I'm sorry about {problem}, and that it has happened again. You shouldn't have had to \
    tell us twice, and I want to sort this out with you myself.\
    {% if phone %} You can reach me directly on {phone}, or reply here with the best number \
    to reach you and I'll give you {offer}.\
    {% else %} Reply here with the best number to reach you and I'll give you \
    {offer}.{% endif %}\n\n{signature}";

const PRAISE: &str = "Hi {first_name},\n\n\
    Thank you so much for the kind words! It means a lot to all of us at {business}, and \
    I'll pass them on to the team. We look forward to seeing you again soon.\n\n{signature}";

fn default_complaint(category: Category) -> &'static str {
    match category {
        Category::Waiting => concat!(
            "Hi {first_name},\n\nI'm sorry you were kept waiting. That's not the service we ",
            "want anyone to get at {business}, and I'd like to put it right. ",
            next_step!(),
            "\n\n{signature}"
        ),
        Category::Staff => concat!(
            "Hi {first_name},\n\nI'm sorry about how our team treated you. Everyone who ",
            "comes to {business} should be treated with courtesy, and I'll talk to the team ",
            "about it today. ",
            next_step!(),
            "\n\n{signature}"
        ),
        Category::WrongOrder => concat!(
            "Hi {first_name},\n\nI'm sorry we got your order wrong. That's a mistake we ",
            "shouldn't make at {business}. Reply here with your order details and the best ",
            "number to reach you, and we'll make sure you get what you ordered and give you ",
            "{offer}.\n\n{signature}"
        ),
        Category::Billing => concat!(
            "Hi {first_name},\n\nI'm sorry about the problem with your bill. Nobody should ",
            "be charged wrongly at {business}. Reply here with the date and the amount and ",
            "the best number to reach you, and we'll check it and give you {offer}. If we ",
            "owe you money, you'll get it back.\n\n{signature}"
        ),
        Category::Quality => concat!(
            "Hi {first_name},\n\nI'm sorry that what you got from us wasn't up to standard. ",
            "That's not what we want anyone to get from {business}, and we'll replace it or ",
            "refund you, whichever you prefer. ",
            next_step!(),
            "\n\n{signature}"
        ),
        Category::Cleanliness => concat!(
            "Hi {first_name},\n\nI'm sorry about the state our place was in. Keeping ",
            "{business} clean is the least you should expect, and I'm checking it with the ",
            "team today. ",
            next_step!(),
            "\n\n{signature}"
        ),
        Category::BrokenPromise => concat!(
            "Hi {first_name},\n\nI'm sorry we didn't do what we said we would. When ",
            "{business} tells you something, you should be able to count on it. ",
            next_step!(),
            " This time we'll follow through.\n\n{signature}"
        ),
        Category::Closed => concat!(
            "Hi {first_name},\n\nI'm sorry you found us closed or out of what you came for. ",
            "That's a wasted trip, and we'll make sure what {business} says about its hours ",
            "and stock is right. ",
            next_step!(),
            "\n\n{signature}"
        ),
        Category::Other => concat!(
            "Hi {first_name},\n\nI'm sorry about your experience with us. That's not the ",
            "standard we hold ourselves to at {business}, and I'd like to hear what ",
            "happened. ",
            next_step!(),
            "\n\n{signature}"
        ),
    }
}

/// The problem named in the business's words, for `{problem}`.
pub fn problem_words(category: Category) -> &'static str {
    match category {
        Category::Waiting => "the long wait",
        Category::Staff => "how our team treated you",
        Category::WrongOrder => "the mistake with your order",
        Category::Billing => "the problem with your bill",
        Category::Quality => "the quality of what you got from us",
        Category::Cleanliness => "the state our place was in",
        Category::BrokenPromise => "us not doing what we said we would",
        Category::Closed => "finding us closed or out of what you came for",
        Category::Other => "your experience with us",
    }
}

/// The values a template is filled in with; `None` leaves a placeholder without a value
/// (`{% if phone %}` is false, printing it an error).
#[derive(Debug, Clone, Default)]
pub struct Values<'a> {
    /// First name, or "there".
    pub first_name: &'a str,
    /// The business's name.
    pub business: &'a str,
    /// The signature.
    pub signature: &'a str,
    /// The next step offered.
    pub offer: &'a str,
    /// The direct line.
    pub phone: Option<&'a str>,
    /// The problem in words (complaints only).
    pub problem: Option<&'a str>,
}

impl Values<'_> {
    fn context(&self) -> Value {
        let mut map: BTreeMap<&str, Value> = BTreeMap::new();
        map.insert("first_name", self.first_name.into());
        map.insert("business", self.business.into());
        map.insert("signature", self.signature.into());
        map.insert("offer", self.offer.into());
        if let Some(phone) = self.phone {
            map.insert("phone", phone.into());
        }
        if let Some(problem) = self.problem {
            map.insert("problem", problem.into());
        }
        Value::from(map)
    }
}

/// The engine, with single-brace placeholders. SemiStrict: printing a placeholder that
/// has no value fails, while `{% if phone %}` on one is simply false.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    let syntax = SyntaxConfig::builder()
        .variable_delimiters("{", "}")
        .block_delimiters("{%", "%}")
        .comment_delimiters("{#", "#}")
        .build()
        .expect("single-brace delimiters are distinct from the block and comment ones");
    env.set_syntax(syntax);
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env
}

/// Fill in a template. Errors are the engine's; [`check_template`] words them.
pub fn render(key: &str, source: &str, values: &Values) -> Result<String, minijinja::Error> {
    let env = environment();
    let text = env.render_named_str(key, source, values.context())?;
    Ok(tidy(&text))
}

/// Paragraphs separated by one blank line, no blank lines at either end.
fn tidy(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.join("\n\n")
}

/// Check a template from the config the way it will be used: it compiles, names only
/// known placeholders, and fills in with sample values (without a phone when `[replies]
/// phone` is not set). The message says what to write instead.
pub fn check_template(key: &str, source: &str, phone_set: bool) -> Result<(), String> {
    let Some(template) = Template::from_key(key) else {
        return Err(format!(
            "there is no template '{key}'; the templates are: {}",
            Template::keys().join(", ")
        ));
    };
    let env = environment();
    let compiled = env
        .template_from_named_str(key, source)
        .map_err(|e| syntax_problem(&e, source))?;
    let mut unknown: Vec<String> = compiled
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !PLACEHOLDERS.contains(&v.as_str()))
        .collect();
    unknown.sort();
    if let Some(name) = unknown.first() {
        return Err(format!(
            "unknown placeholder {{{name}}}; use one of {}",
            PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
        ));
    }
    let praise = template == Template::Praise;
    let sample = Values {
        first_name: "Ann",
        business: "the business",
        signature: "The team",
        offer: DEFAULT_OFFER,
        phone: phone_set.then_some("555 0100"),
        problem: (!praise).then_some(problem_words(Category::Other)),
    };
    let text = compiled.render(sample.context()).map_err(|e| {
        // Which value was missing: the render succeeds once it is given.
        let with_phone = Values {
            phone: Some("555 0100"),
            ..sample.clone()
        };
        let with_problem = Values {
            problem: Some(problem_words(Category::Other)),
            ..with_phone.clone()
        };
        if e.kind() == ErrorKind::UndefinedError && compiled.render(with_phone.context()).is_ok()
        {
            "uses {phone}, but [replies] phone is not set: add phone = \"…\" to [replies], \
             or put it inside {% if phone %}…{% endif %}"
                .to_owned()
        } else if praise && compiled.render(with_problem.context()).is_ok() {
            "uses {problem}, but a thank-you for praise has no problem to name; take it out"
                .to_owned()
        } else {
            format!(
                "cannot be filled in: {}; a placeholder is a name alone in single braces, e.g. {{first_name}}",
                detail(&e)
            )
        }
    })?;
    if text.trim().is_empty() {
        return Err(
            "is empty once filled in; write the reply, or remove the key to use the default".into(),
        );
    }
    Ok(())
}

fn syntax_problem(error: &minijinja::Error, source: &str) -> String {
    if source.contains("{{") {
        return "writes a placeholder in double braces; Earshot's use single braces: {first_name}, not {{ first_name }}".to_owned();
    }
    let line = error
        .line()
        .map(|l| format!(" (line {l} of the template)"))
        .unwrap_or_default();
    format!(
        "is not a template Earshot can fill in: {}{line}. Placeholders are a name in single \
         braces, e.g. {{first_name}}; a literal brace cannot be written",
        detail(error)
    )
}

fn detail(error: &minijinja::Error) -> String {
    error
        .detail()
        .map(str::to_owned)
        .unwrap_or_else(|| error.kind().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_template_passes_its_own_check_with_and_without_a_phone() {
        for key in Template::keys() {
            let template = Template::from_key(key).unwrap();
            assert_eq!(template.key(), key);
            for phone in [false, true] {
                check_template(key, template.default_source(), phone)
                    .unwrap_or_else(|e| panic!("{key}: {e}"));
            }
        }
    }

    #[test]
    fn single_brace_placeholders_and_if_blocks_fill_in() {
        let values = Values {
            first_name: "Priya",
            business: "Harbor Street Bakery",
            signature: "Sam",
            offer: "a free coffee",
            phone: None,
            problem: Some("the long wait"),
        };
        let text = render(
            "x",
            "Hi {first_name}, sorry about {problem}.{% if phone %} Call {phone}.{% endif %}\n\n{signature}",
            &values,
        )
        .unwrap();
        assert_eq!(text, "Hi Priya, sorry about the long wait.\n\nSam");
        let with_phone = Values {
            phone: Some("0161 555 0100"),
            ..values
        };
        let text = render("x", "{% if phone %}Call {phone}.{% endif %}", &with_phone).unwrap();
        assert_eq!(text, "Call 0161 555 0100.");
    }

    #[test]
    fn a_misspelt_placeholder_is_named_with_the_ones_to_use() {
        let err = check_template("waiting", "Hi {frist_name}, sorry.", false).unwrap_err();
        assert_eq!(
            err,
            "unknown placeholder {frist_name}; use one of {first_name}, {business}, {signature}, {offer}, {phone}, {problem}"
        );
    }

    #[test]
    fn a_template_syntax_error_says_how_placeholders_are_written() {
        let err = check_template("staff", "Hi {first_name, sorry.", false).unwrap_err();
        assert!(
            err.starts_with("is not a template Earshot can fill in: "),
            "{err}"
        );
        assert!(err.contains("single braces, e.g. {first_name}"), "{err}");
        let err = check_template("quality", "Hi {% if phone %}x", false).unwrap_err();
        assert!(err.contains("line 1 of the template"), "{err}");
        // Jinja's double braces read as a brace inside a placeholder: refused, not sent.
        let err = check_template("other", "Hi {{ first_name }}", false).unwrap_err();
        assert!(err.contains("not {{ first_name }}"), "{err}");
        let err = check_template("other", "Hi {first_name.x}", false).unwrap_err();
        assert!(
            err.starts_with("cannot be filled in: ") && err.contains("a name alone"),
            "{err}"
        );
    }

    #[test]
    fn a_phone_without_a_phone_number_or_a_problem_in_praise_is_refused() {
        let err = check_template("repeat", "Call me on {phone}.", false).unwrap_err();
        assert!(
            err.contains("[replies] phone is not set") && err.contains("{% if phone %}"),
            "{err}"
        );
        assert!(check_template("repeat", "Call me on {phone}.", true).is_ok());
        assert!(check_template(
            "repeat",
            "{% if phone %}Call {phone}.{% endif %} Bye",
            false
        )
        .is_ok());
        let err = check_template("praise", "Thanks, sorry about {problem}", false).unwrap_err();
        assert!(err.contains("no problem to name"), "{err}");
    }

    #[test]
    fn unknown_template_keys_and_empty_templates_are_refused() {
        let err = check_template("waitng", "Hi", false).unwrap_err();
        assert!(
            err.contains("no template 'waitng'")
                && err.contains(" waiting, ")
                && err.ends_with("other, repeat, praise"),
            "{err}"
        );
        let err =
            check_template("waiting", "  {% if phone %}{phone}{% endif %} ", false).unwrap_err();
        assert!(err.starts_with("is empty"), "{err}");
    }
}

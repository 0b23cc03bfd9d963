//! A chain's locations (issue 19, "Locations"; issue 18, "a location manager sees only that
//! location's mentions"): sources name their `[[location]]`, mentions carry it, each
//! location's `to` get its alerts while the owners get every urgent one and one digest with
//! a section per location, and a location manager sees only theirs on the CLI and the web.

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::Utc;
use earshot::config::LocationSettings;
use earshot::model::Role;
use earshot::staff::hash_password;
use earshot::web::{router, AppState};

use crate::common::Harness;
use crate::shop::{received, Shop};
use crate::smtp::SmtpServer;
use crate::web::{sample_config, Browser};

/// A bakery with two locations (Soho, Camden), a feed file each, an SMTP server and the
/// clock in `$EARSHOT_NOW`.
struct Chain {
    shop: Shop,
    smtp_url: String,
}

impl std::ops::Deref for Chain {
    type Target = Shop;
    fn deref(&self) -> &Shop {
        &self.shop
    }
}

impl std::ops::DerefMut for Chain {
    fn deref_mut(&mut self) -> &mut Shop {
        &mut self.shop
    }
}

impl Chain {
    fn new(smtp: &SmtpServer) -> Chain {
        let chain = Chain {
            shop: Shop::empty(),
            smtp_url: smtp.url(),
        };
        chain.configure_soho("Soho");
        chain.feed("soho", &[]);
        chain.feed("camden", &[]);
        chain
    }

    /// Write the config with the `soho` feed's source at `soho_feed_at`.
    fn configure_soho(&self, soho_feed_at: &str) {
        self.configure(&format!(
            "[business]\nname = \"Harbor Street Bakery\"\ntimezone = \"UTC\"\n\n\
             [storage]\ndatabase = \"{db}\"\n\n\
             [[location]]\nname = \"Soho\"\nto = [\"soho@example.com\"]\n\n\
             [[location]]\nname = \"Camden\"\nto = [\"camden@example.com\"]\n\n\
             [[source]]\nname = \"soho-reviews\"\nurl = \"file://{soho}\"\nlocation = \"{soho_feed_at}\"\n\n\
             [[source]]\nname = \"camden-reviews\"\nurl = \"file://{camden}\"\nlocation = \"Camden\"\n\n\
             [alerts]\nto = [\"owner@example.com\"]\nfrom = \"earshot@bakery.test\"\n\
             smtp_url = \"{smtp}\"\n",
            db = self.path("earshot.db"),
            soho = self.path("soho.xml"),
            camden = self.path("camden.xml"),
            smtp = self.smtp_url,
        ));
    }

    /// (id, location) of the mentions the filter lists.
    fn listed(&self, filter: &[&str]) -> Vec<(i64, Option<String>)> {
        let mut args = vec!["mentions", "--format", "json"];
        args.extend_from_slice(filter);
        let json: serde_json::Value = serde_json::from_str(&self.ok(&args)).unwrap();
        let mut rows: Vec<_> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["id"].as_i64().unwrap(),
                    m["location"].as_str().map(str::to_owned),
                )
            })
            .collect();
        rows.sort();
        rows
    }
}

#[test]
fn each_location_gets_its_own_alerts_and_the_owner_every_urgent_one() {
    let smtp = SmtpServer::start();
    let mut chain = Chain::new(&smtp);
    let mut seen = 0;
    chain.ok(&["poll"]); // both sources' first poll: their start
    std::fs::write(
        chain.dir.path().join("customers.csv"),
        "name,email,handles,tier,lifetime_value\nPriya Nair,priya@example.com,,A,3200\n",
    )
    .unwrap();
    chain.ok(&["customers", "import", "customers.csv"]);

    // A complaint at Soho by nobody known: high, for Soho alone.
    chain.hours(1);
    chain.feed(
        "soho",
        &[(
            "s1",
            "Jill Watts",
            "Waited 40 minutes, the order was wrong and the staff were rude.",
        )],
    );
    chain.ok(&["poll"]);
    let high = received(&smtp, &mut seen);
    assert_eq!(high.len(), 1, "{high:?}");
    assert_eq!(high[0].0, "soho@example.com", "{high:?}");
    assert!(
        high[0].1.starts_with("[Negative] [Soho] Jill Watts: \""),
        "{high:?}"
    );

    // An A-list customer complains at Camden: urgent, for Camden and the owner.
    chain.hours(1);
    chain.feed(
        "camden",
        &[(
            "c1",
            "Priya Nair",
            "Our anniversary cake arrived squashed and the staff were rude.",
        )],
    );
    chain.ok(&["poll"]);
    let urgent = received(&smtp, &mut seen);
    assert_eq!(urgent.len(), 1, "{urgent:?}");
    assert!(urgent[0].0.contains("camden@example.com"), "{urgent:?}");
    assert!(urgent[0].0.contains("owner@example.com"), "{urgent:?}");
    assert!(!urgent[0].0.contains("soho@"), "{urgent:?}");
    assert!(
        urgent[0].1.starts_with("[URGENT] [Camden] Priya Nair ("),
        "{urgent:?}"
    );

    // Each mention carries its location: the filter, show, JSON and CSV say so.
    let all = chain.listed(&[]);
    assert_eq!(all.len(), 2, "{all:?}");
    let soho_id = all
        .iter()
        .find(|(_, l)| l.as_deref() == Some("Soho"))
        .unwrap()
        .0;
    let camden_id = all
        .iter()
        .find(|(_, l)| l.as_deref() == Some("Camden"))
        .unwrap()
        .0;
    assert_eq!(
        chain.listed(&["--location", "soho"]),
        [(soho_id, Some("Soho".into()))]
    );
    assert_eq!(chain.listed(&["--location", "Camden"]).len(), 1);
    let unknown = chain.refused(&["mentions", "--location", "Mayfair"]);
    assert!(
        unknown.contains("no location called 'Mayfair'; the locations are: Soho, Camden"),
        "{unknown}"
    );
    assert!(chain
        .ok(&["show", &soho_id.to_string()])
        .contains("Location:  Soho"));
    let csv = chain.ok(&["mentions", "--format", "csv"]);
    assert!(csv.lines().next().unwrap().ends_with(",location"), "{csv}");
    assert!(
        csv.contains(",Camden\n") || csv.contains(",Camden\r\n"),
        "{csv}"
    );
    let table = chain.ok(&["mentions"]);
    assert!(
        table.contains("LOCATION") && table.contains("Soho"),
        "{table}"
    );

    // One digest with a section per location.
    let digest = chain.ok(&["digest"]);
    assert!(
        digest.contains("Soho: 1 open case, 1 new mention (1 negative)"),
        "{digest}"
    );
    assert!(
        digest.contains("Camden: 1 open case, 1 new mention (1 negative)"),
        "{digest}"
    );

    // The Soho source moves to Camden: its new mentions are Camden's, old ones stay Soho's.
    chain.configure_soho("Camden");
    chain.hours(1);
    chain.feed(
        "soho",
        &[
            (
                "s1",
                "Jill Watts",
                "Waited 40 minutes, the order was wrong and the staff were rude.",
            ),
            ("s2", "Ben Ode", "Lovely bread, friendly staff."),
        ],
    );
    chain.ok(&["poll"]);
    let camden: Vec<i64> = chain
        .listed(&["--location", "Camden"])
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(camden.len(), 2, "{camden:?}");
    assert!(camden.contains(&camden_id) && !camden.contains(&soho_id));
    assert_eq!(chain.listed(&["--location", "Soho"]).len(), 1);
}

#[test]
fn a_location_manager_on_the_command_line_sees_only_their_location() {
    let smtp = SmtpServer::start();
    let mut chain = Chain::new(&smtp);
    chain.ok(&["poll"]);
    chain.hours(1);
    chain.feed("soho", &[("s1", "Jill Watts", "The staff were rude.")]);
    chain.feed("camden", &[("c1", "Ben Ode", "Cold coffee, rude staff.")]);
    chain.ok(&["poll"]);

    chain.ok(&["staff", "add", "Olga", "--email", "owner@example.com"]);
    let unknown = chain.refused(&[
        "staff",
        "add",
        "Maya",
        "--email",
        "maya@example.com",
        "--location",
        "Mayfair",
    ]);
    assert!(
        unknown.contains("the locations are: Soho, Camden"),
        "{unknown}"
    );
    assert!(
        !chain.ok(&["staff", "list"]).contains("Maya"),
        "nobody added"
    );
    let added = chain.ok(&[
        "staff",
        "add",
        "Maya",
        "--email",
        "maya@example.com",
        "--location",
        "soho",
    ]);
    assert!(added.contains("They manage Soho"), "{added}");
    let list = chain.ok(&["staff", "list"]);
    assert!(list.contains("LOCATION"), "{list}");
    let maya = list.lines().find(|l| l.starts_with("Maya")).unwrap();
    assert!(maya.contains("Soho"), "{list}");

    assert_eq!(chain.listed(&[]).len(), 2, "the owner sees both");
    let hers = chain.listed(&["--as", "Maya"]);
    assert_eq!(hers.len(), 1, "{hers:?}");
    assert_eq!(hers[0].1.as_deref(), Some("Soho"));
    let other = chain.refused(&["mentions", "--as", "Maya", "--location", "Camden"]);
    assert!(
        other.contains("Maya manages Soho and sees only its mentions"),
        "{other}"
    );
}

const MAYA_PASSWORD: &str = "maya runs the soho shop";

#[tokio::test]
async fn a_location_manager_signed_in_on_the_web_sees_only_their_location() {
    let mut config = sample_config();
    config.locations = vec![
        LocationSettings {
            name: "Soho".into(),
            aliases: vec![],
            to: vec!["soho@example.com".into()],
        },
        LocationSettings {
            name: "Camden".into(),
            aliases: vec![],
            to: vec![],
        },
    ];
    for source in &mut config.sources {
        source.location_name = match source.name.as_str() {
            "neighborhood-reviews" => Some("Soho".into()),
            "social" => Some("Camden".into()),
            _ => None,
        };
    }
    let harness = Harness::new(config.clone());
    harness.poll().await;
    let (soho, camden) = {
        let store = harness.store();
        let all = store.mentions(&Default::default()).unwrap();
        let at = |place: &str| -> Vec<i64> {
            all.iter()
                .filter(|m| m.location.as_deref() == Some(place))
                .map(|m| m.id)
                .collect()
        };
        (at("Soho"), at("Camden"))
    };
    assert!(
        !soho.is_empty() && !camden.is_empty(),
        "{soho:?} {camden:?}"
    );
    // Customers are shared: one of them has posts at Soho and elsewhere.
    let csv = std::fs::read_to_string(crate::common::repo().join("config/customers.csv")).unwrap();
    let records = earshot::customers::parse_csv(&csv, "customers.csv").unwrap();
    let rules = config.triage.clone();
    earshot::pipeline::import_customers(&mut harness.store(), &records, &rules, Utc::now())
        .unwrap();
    let (regular, theirs) = {
        let store = harness.store();
        let customers = store.customers(None).unwrap();
        customers
            .iter()
            .map(|c| (c.id, store.mentions_of_customer(c.id).unwrap()))
            .find(|(_, ms)| {
                ms.iter().any(|m| m.location.as_deref() == Some("Soho"))
                    && ms.iter().any(|m| m.location.as_deref() != Some("Soho"))
            })
            .expect("a customer heard at Soho and elsewhere")
    };
    {
        let mut store = harness.store();
        let now = Utc::now();
        store
            .add_staff("Olga", "olga@example.com", Role::Owner, now)
            .unwrap();
        let maya = store
            .add_staff("Maya", "maya@example.com", Role::Staff, now)
            .unwrap();
        store.set_staff_location(maya.id, Some("Soho")).unwrap();
        store
            .set_password_hash(maya.id, &hash_password(MAYA_PASSWORD).unwrap())
            .unwrap();
    }
    let app = router(AppState::new(Arc::new(config), harness.store.clone(), None));
    let mut web = Browser::new(app);
    let signed_in = crate::signin::sign_in(&mut web, "maya", MAYA_PASSWORD).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );

    // The log: Soho's mentions only, whatever the query asks, and no location filter.
    let shown = |body: &str, id: i64| body.contains(&format!("href=\"/mentions/{id}\""));
    for path in ["/?limit=500", "/?limit=500&location=Camden"] {
        let log = web.get(path).await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.body);
        assert!(soho.iter().all(|&id| shown(&log.body, id)), "{path}");
        assert!(!camden.iter().any(|&id| shown(&log.body, id)), "{path}");
        assert!(!log.body.contains("name=\"location\""), "{path}");
    }

    // A customer's history shows only Soho's part of it.
    let history = web.get(&format!("/customers/{regular}")).await;
    assert_eq!(history.status, StatusCode::OK);
    for m in &theirs {
        let here = m.location.as_deref() == Some("Soho");
        assert_eq!(
            shown(&history.body, m.id),
            here,
            "#{} at {:?}",
            m.id,
            m.location
        );
    }

    // Their location's mention opens; a direct link to another's is refused, with words,
    // and so is an action on it.
    let own = web.get(&format!("/mentions/{}", soho[0])).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Location"), "{}", own.body);
    let other = web.get(&format!("/mentions/{}", camden[0])).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(
        other
            .body
            .contains("you manage Soho and see only its mentions"),
        "{}",
        other.body
    );
    let csrf = own.csrf();
    let act = web
        .post(&format!("/mentions/{}/ack", camden[0]), &[("csrf", &csrf)])
        .await;
    assert_eq!(act.status, StatusCode::NOT_FOUND);
    assert_eq!(
        harness
            .store()
            .mention_detail(camden[0])
            .unwrap()
            .mention
            .status,
        earshot::model::CaseStatus::New,
        "nothing changed"
    );
}

#[tokio::test]
async fn the_owner_filters_the_web_log_by_location_and_sees_the_badge() {
    let mut config = sample_config();
    config.locations = vec![LocationSettings {
        name: "Soho".into(),
        aliases: vec![],
        to: vec![],
    }];
    config.sources[1].location_name = Some("Soho".into());
    let soho_source = config.sources[1].name.clone();
    let harness = Harness::new(config.clone());
    harness.poll().await;
    let app = router(AppState::new(Arc::new(config), harness.store.clone(), None));
    let mut web = Browser::new(app);
    let log = web.get("/?location=soho&limit=500").await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert!(
        log.body.contains("name=\"location\""),
        "the filter is there"
    );
    assert!(log.body.contains("title=\"Location\""), "a badge");
    let all = harness.store().mentions(&Default::default()).unwrap();
    for m in &all {
        let listed = log.body.contains(&format!("href=\"/mentions/{}\"", m.id));
        assert_eq!(listed, m.source == soho_source, "#{} of {}", m.id, m.source);
    }
    let unknown = web.get("/?location=Mayfair").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.body.contains("the locations are: Soho"),
        "{}",
        unknown.body
    );
}

#[test]
fn a_locations_aliases_count_as_the_business_name_for_its_sources_only() {
    let config = crate::common::config(
        "[[location]]\nname = \"Soho\"\naliases = [\"Crumb Soho\"]\n\
         [[source]]\nname = \"soho\"\nurl = \"file:a.xml\"\nrequire_mention = true\nlocation = \"Soho\"\n\
         [[source]]\nname = \"town\"\nurl = \"file:b.xml\"\nrequire_mention = true\n",
    );
    let pipeline = earshot::pipeline::Pipeline::new(Arc::new(config.clone())).unwrap();
    let item = |text: &str| earshot::sources::RawItem {
        text: text.into(),
        ..Default::default()
    };
    let items = vec![
        item("Crumb Soho was great"),
        item("Harbor St Bakery was great"),
    ];
    let (soho, dropped) = pipeline.mentions_from(&config.sources[0], items.clone());
    assert_eq!((soho.len(), dropped), (2, 0));
    assert!(soho.iter().all(|m| m.location.as_deref() == Some("Soho")));
    let (town, dropped) = pipeline.mentions_from(&config.sources[1], items);
    assert_eq!((town.len(), dropped), (1, 1), "the alias is Soho's alone");
    assert_eq!(town[0].location, None);
}

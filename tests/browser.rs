//! The guard's screen in a real browser (Debian's headless Chromium through chromedriver):
//! logging in, a prompt appearing for each kind of arrival of the replayed fixture clips (a VIP
//! greeted by title, a resident, an unknown visitor with the registration script, an oversize
//! truck refused), registering that visitor, and correcting a name. A screenshot of each is
//! saved under target/screenshots/.

mod common;
#[path = "web/demo.rs"]
mod demo;
#[path = "web/http.rs"]
mod http;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use demo::Demo;
use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn screenshots() -> PathBuf {
    let dir = std::env::var_os("GATEWARD_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

async fn browser(profile: &std::path::Path) -> Option<(Driver, Client)> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        common::missing(
            &format!("Chromium ({CHROMIUM}) or chromedriver ({CHROMEDRIVER})"),
            "scripts/setup installs the Debian packages chromium and chromium-driver",
        );
        return None;
    }
    let port = free_port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return Some((driver, c)),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start Chromium through chromedriver: {e}"),
        }
    }
}

async fn login(c: &Client, demo: &Demo, who: &str) {
    c.goto(&demo.url("/")).await.expect("open the screen");
    let url = c.current_url().await.expect("url");
    assert_eq!(
        url.path(),
        "/login",
        "without a session the screen sends to the login page"
    );
    c.find(Locator::Css("input[name=login]"))
        .await
        .expect("login field")
        .send_keys(who)
        .await
        .expect("type login");
    c.find(Locator::Css("input[name=password]"))
        .await
        .expect("password field")
        .send_keys(demo.password(who))
        .await
        .expect("type password");
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .expect("login button")
        .click()
        .await
        .expect("log in");
    if c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#card"))
        .await
        .is_err()
    {
        screenshot(c, "login-failed").await;
        panic!(
            "no guard screen after logging in: {}",
            c.source().await.unwrap_or_default()
        );
    }
}

/// Waits until the list of recent arrivals has an item whose text contains `text`, clicks it
/// and returns the card's text once it shows it.
async fn show(c: &Client, text: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        for li in c.find_all(Locator::Css("#events li")).await.expect("list") {
            if li.text().await.unwrap_or_default().contains(text) {
                li.click().await.expect("click the arrival");
                // the click pins the card: arrivals that come now go to the list, not over it
                let pinned = c
                    .find(Locator::Id("pinbar"))
                    .await
                    .expect("pin bar")
                    .is_displayed()
                    .await
                    .unwrap_or(false);
                assert!(pinned, "choosing an arrival keeps it on the card");
                let card = c.find(Locator::Id("card")).await.expect("card");
                let words = card.text().await.unwrap_or_default();
                if words.contains(text) {
                    return words;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no arrival showing {text:?} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    let path = screenshots().join(format!("{name}.png"));
    std::fs::write(&path, &png).expect("save screenshot");
    eprintln!("screenshot: {}", path.display());
}

async fn card_class(c: &Client) -> String {
    c.find(Locator::Id("card"))
        .await
        .expect("card")
        .attr("class")
        .await
        .expect("class")
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_screen_prompts_each_arrival_and_takes_the_guards_word() {
    let profile = tempfile::tempdir().expect("profile");
    let Some((_driver, c)) = browser(profile.path()).await else {
        return;
    };
    let demo = Demo::start();
    login(&c, &demo, "guard").await;
    let wait = Duration::from_secs(120);

    // a prompt appears for each kind of arrival
    let vip = show(&c, "王建国", wait).await;
    assert!(vip.contains("王总，") && vip.contains("欢迎光临"), "{vip}");
    assert!(vip.contains("敬礼问候"), "{vip}");
    assert!(card_class(&c).await.contains("vip"));
    assert!(vip.contains("管理处值班"), "the office is notified: {vip}");
    // every camera shows as live once its arrivals come
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let cams = c
            .find(Locator::Id("cameras"))
            .await
            .expect("camera status")
            .text()
            .await
            .unwrap_or_default();
        if cams.contains("5/5 在线") {
            break;
        }
        assert!(Instant::now() < deadline, "cameras: {cams}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    screenshot(&c, "1-vip").await;

    let resident = show(&c, "陈静", wait).await;
    assert!(
        resident.contains("业主") && resident.contains("点头问候"),
        "{resident}"
    );
    assert!(card_class(&c).await.contains("known"));
    screenshot(&c, "2-resident").await;

    let truck = show(&c, "川A·D2718", wait).await;
    assert!(truck.contains("超限车辆 拒绝进入"), "{truck}");
    assert!(truck.contains("4吨及以上大型车辆不能进入小区"), "{truck}");
    assert!(card_class(&c).await.contains("alert"));
    screenshot(&c, "4-oversize-truck").await;

    let stranger = show(&c, "陌生人", wait).await;
    assert!(
        stranger.contains("先生/小姐，请问有什么需要帮忙吗？"),
        "{stranger}"
    );
    for line in [
        "请问您到哪一房？",
        "请问您贵姓？",
        "请出示一下您的有效证件登记好吗？",
    ] {
        assert!(
            stranger.contains(line),
            "the script says {line}: {stranger}"
        );
    }
    assert!(card_class(&c).await.contains("stranger"));
    screenshot(&c, "3-unknown-visitor").await;

    // each post is told what the rules route to it: patrol the visitor, the office the VIP
    // (before the correction below, which teaches the gallery that face is not the VIP)
    let for_me = |login: &str| {
        let h = http::Http::login(&demo.base, login, demo.password(login));
        let state: serde_json::Value =
            serde_json::from_str(&h.get("/api/state").body).expect("state");
        let recent = state["recent"].as_array().expect("recent").clone();
        let mine = |pred: &dyn Fn(&serde_json::Value) -> bool| {
            recent
                .iter()
                .filter(|e| pred(e))
                .map(|e| e["for_me"].as_bool())
                .collect::<Vec<_>>()
        };
        (
            mine(&|e| e["kind"] == "person" && e["person"].is_null()),
            mine(&|e| e["person"]["class"] == "vip"),
        )
    };
    let (visitor, vip) = for_me("patrol");
    assert!(
        !visitor.is_empty() && visitor.iter().all(|m| *m == Some(true)),
        "patrol: {visitor:?}"
    );
    assert!(
        !vip.is_empty() && vip.iter().all(|m| *m == Some(false)),
        "patrol: {vip:?}"
    );
    let (visitor, vip) = for_me("manager");
    assert!(
        visitor.iter().all(|m| *m == Some(false)),
        "office: {visitor:?}"
    );
    assert!(
        !vip.is_empty() && vip.iter().all(|m| *m == Some(true)),
        "office: {vip:?}"
    );

    // the guard registers the visitor with the script's answers
    let form = c
        .find(Locator::Id("register"))
        .await
        .expect("registration form");
    form.find(Locator::Css("input[name=room]"))
        .await
        .expect("room")
        .send_keys("3-2-1502")
        .await
        .expect("type room");
    form.find(Locator::Css("input[name=surname]"))
        .await
        .expect("surname")
        .send_keys("孙")
        .await
        .expect("type surname");
    form.find(Locator::Css("input[name=id_checked]"))
        .await
        .expect("id checkbox")
        .click()
        .await
        .expect("tick");
    form.find(Locator::Css("button[value=yes]"))
        .await
        .expect("confirm button")
        .click()
        .await
        .expect("register");
    let said = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//form[@id='register']//p[contains(., '已登记访客孙')]",
        ))
        .await
        .expect("the screen says the visitor is registered");
    assert!(said.text().await.expect("text").contains("3-2-1502"));
    screenshot(&c, "5-visitor-registered").await;
    let store = demo.store();
    let (from, to) = (
        chrono::Utc::now() - chrono::Duration::hours(1),
        chrono::Utc::now() + chrono::Duration::hours(1),
    );
    let visits = store.visits(from, to).expect("visits");
    assert!(
        visits.iter().any(|v| v.visitor_surname == "孙"
            && v.room == "3-2-1502"
            && v.household_id.is_some()
            && v.id_checked
            && v.guard == "门岗小王"),
        "{visits:?}"
    );

    // the guard corrects a name: the VIP's arrival was really 陈静
    show(&c, "王建国", wait).await;
    let event: i64 = c
        .find(Locator::Id("card"))
        .await
        .expect("card")
        .attr("data-event")
        .await
        .expect("attr")
        .and_then(|v| v.parse().ok())
        .expect("the arrival is recorded");
    c.find(Locator::Css("#card button.no"))
        .await
        .expect("the 'not him' button")
        .click()
        .await
        .expect("click");
    c.find(Locator::Css("#card form.correct input[name=q]"))
        .await
        .expect("who is it")
        .send_keys("陈")
        .await
        .expect("type");
    let pick = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//ul[@class='found']//button[contains(., '陈静')]",
        ))
        .await
        .expect("陈静 offered");
    pick.click().await.expect("pick 陈静");
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//*[@id='card']//p[contains(., '已更正为 陈静')]",
        ))
        .await
        .expect("the screen says the name was corrected");
    screenshot(&c, "6-name-corrected").await;
    let stored = store.event(event).expect("event").expect("still there");
    let chen = store.people_named("陈静").expect("people")[0].id;
    assert_eq!(stored.person_id, Some(chen), "the gate log now says 陈静");
    let wang = store.people_named("王建国").expect("people")[0].id;
    let audit = store
        .audit_entries(&gateward::store::AuditQuery {
            action: Some("face.not".into()),
            ..Default::default()
        })
        .expect("audit");
    assert!(
        audit.iter().any(|a| a.object == format!("person:{wang}")),
        "the gallery learnt that face is not 王建国: {audit:?}"
    );
    c.close().await.expect("close the browser");
}

/// The id in a face picture's address (/training/face/ID) → whose face it is.
fn face_owner(store: &gateward::store::Store, src: &str) -> i64 {
    let id: i64 = src
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a face address: {src}"));
    store
        .face_thumbnails()
        .expect("faces")
        .into_iter()
        .find(|f| f.id == id)
        .expect("a known face")
        .person_id
}

async fn attr_of(c: &Client, css: &str, attr: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .attr(attr)
        .await
        .expect("attr")
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_answers_one_card_of_each_exercise_on_the_training_pages() {
    let profile = tempfile::tempdir().expect("profile");
    let Some((_driver, c)) = browser(profile.path()).await else {
        return;
    };
    // the quiet moment comes after one minute without an arrival (three by default)
    let config = profile.path().join("gateward.toml");
    std::fs::write(&config, "[training]\nquiet_minutes = 1\n").expect("config");
    let demo = Demo::start_with(&["--cameras", "0", "--config", config.to_str().expect("path")]);
    let store = demo.store();
    login(&c, &demo, "guard").await;
    c.find(Locator::LinkText("认识住户"))
        .await
        .expect("the menu's training link")
        .click()
        .await
        .expect("open training");
    let home = c.find(Locator::Css("p.standing")).await.expect("standing");
    let standing = home.text().await.unwrap_or_default();
    assert!(standing.contains("已认识 0/7 户（0%）"), "{standing}");
    assert!(standing.contains("目标 80%"), "{standing}");
    screenshot(&c, "7-training-home").await;
    let people = store.people().expect("people");
    for (key, zh) in [
        ("face_name", "看脸认人"),
        ("face_household", "看脸说房号"),
        ("name_face", "听名找脸"),
        ("household_members", "这户住着谁"),
        ("vip_title", "贵宾称呼和座驾"),
    ] {
        c.goto(&demo.url("/training")).await.expect("training page");
        c.find(Locator::LinkText(zh))
            .await
            .unwrap_or_else(|_| panic!("a link to practise {zh}"))
            .click()
            .await
            .expect("open the exercise");
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#trainer[data-state=question]"))
            .await
            .unwrap_or_else(|_| panic!("{zh}: no question"));
        assert_eq!(attr_of(&c, "#trainer", "data-exercise").await, key);
        let prompt = c
            .find(Locator::Css("#trainer .prompt"))
            .await
            .expect("prompt")
            .text()
            .await
            .unwrap_or_default();
        // the right choice, from the records
        let who = |name: &str| {
            people
                .iter()
                .find(|p| prompt.contains(&p.name) && p.name == name)
        };
        let right: Vec<String> = match key {
            "face_name" | "face_household" | "vip_title" => {
                let src = attr_of(&c, "#trainer img.face", "src").await;
                let id = face_owner(&store, &src);
                let p = people
                    .iter()
                    .find(|p| p.id == id)
                    .expect("the face's person");
                match key {
                    "face_name" => vec![id.to_string()],
                    "face_household" => vec![p.household_id.expect("a household").to_string()],
                    _ => {
                        let plate = store
                            .vehicles()
                            .expect("vehicles")
                            .into_iter()
                            .find(|v| v.owner_person_id == Some(id))
                            .map(|v| gateward::domain::plate::format(&v.plate))
                            .unwrap_or_else(|| "无登记车辆".into());
                        vec![format!("{} · {plate}", p.title)]
                    }
                }
            }
            "name_face" => {
                let p = people
                    .iter()
                    .find(|p| who(&p.name).is_some())
                    .unwrap_or_else(|| panic!("whose name: {prompt}"));
                vec![p.id.to_string()]
            }
            _ => {
                let code = prompt.split_whitespace().next().unwrap_or_default();
                let code = code.split('（').next().unwrap_or_default();
                let home = store
                    .household(code)
                    .expect("household")
                    .unwrap_or_else(|| panic!("a household in {prompt}"));
                people
                    .iter()
                    .filter(|p| {
                        p.household_id == Some(home.id)
                            && p.status == gateward::domain::PersonStatus::Active
                            && matches!(
                                p.class,
                                gateward::domain::PersonClass::Resident
                                    | gateward::domain::PersonClass::Vip
                            )
                    })
                    .map(|p| p.id.to_string())
                    .collect()
            }
        };
        if key == "household_members" {
            for id in &right {
                c.find(Locator::Css(&format!("#trainer input[value='{id}']")))
                    .await
                    .unwrap_or_else(|_| panic!("{id} offered for {prompt}"))
                    .click()
                    .await
                    .expect("tick");
            }
            c.find(Locator::Css("#trainer button.submit"))
                .await
                .expect("确定")
                .click()
                .await
                .expect("submit");
        } else {
            let mut clicked = false;
            for b in c
                .find_all(Locator::Css("#trainer button.choice"))
                .await
                .expect("choices")
            {
                if b.attr("data-id").await.ok().flatten().as_deref() == Some(right[0].as_str()) {
                    b.click().await.expect("pick");
                    clicked = true;
                    break;
                }
            }
            assert!(clicked, "{zh}: the right answer {right:?} is offered");
        }
        let verdict = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#trainer .verdict"))
            .await
            .unwrap_or_else(|_| panic!("{zh}: no verdict"))
            .text()
            .await
            .unwrap_or_default();
        assert!(verdict.contains("✓ 答对了"), "{zh}: {verdict}");
        assert!(verdict.contains("1 天后 再复习"), "{zh}: {verdict}");
        screenshot(&c, &format!("8-training-{key}")).await;
    }
    // five answers, one of each exercise, are in the guard's record
    let guard = store
        .users()
        .expect("users")
        .into_iter()
        .find(|u| u.login == "guard")
        .expect("the guard");
    let kinds: std::collections::BTreeSet<&str> = store
        .training_answers(guard.id)
        .expect("answers")
        .iter()
        .filter(|a| a.correct)
        .map(|a| a.card.exercise.key())
        .collect();
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    // on a phone: the card and its choices fit the screen
    c.set_window_size(390, 844).await.expect("phone size");
    c.goto(&demo.url("/training/review?exercise=name_face"))
        .await
        .expect("review on a phone");
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#trainer[data-state=question]"))
        .await
        .expect("a question on the phone");
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .expect("page width");
    assert_eq!(
        overflow.as_i64(),
        Some(0),
        "nothing sticks out sideways on a phone"
    );
    screenshot(&c, "8-training-phone").await;
    c.set_window_size(1400, 1000).await.expect("desk size");
    c.goto(&demo.url("/training/progress"))
        .await
        .expect("progress page");
    c.find(Locator::Css("svg.training-chart"))
        .await
        .expect("the chart");
    screenshot(&c, "9-training-progress").await;

    // the gate screen, quiet (no camera here) for a minute, offers a review in the card
    c.goto(&demo.url("/")).await.expect("the screen");
    let offer = c
        .wait()
        .at_most(Duration::from_secs(90))
        .for_element(Locator::Css("#card.quiet #quiet-start"))
        .await
        .expect("a quiet-moment review is offered after a minute without arrivals");
    offer.click().await.expect("start the review");
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#card .trainer[data-state=question]"))
        .await
        .expect("a card to answer on the screen");
    let pinned = c
        .find(Locator::Id("pinbar"))
        .await
        .expect("pin bar")
        .attr("hidden")
        .await
        .expect("hidden");
    assert!(
        pinned.is_some(),
        "a review does not hold back the next arrival"
    );
    screenshot(&c, "10-quiet-review").await;
    c.close().await.expect("close the browser");
}

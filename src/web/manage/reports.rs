//! 报表: the day's shift check (班检表) and the weekly and monthly checks, counted as
//! `gateward report` counts them, with the traffic by hour drawn as an inline SVG chart.

use axum::Router;
use axum::extract::{Extension, Query, State};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::common::{date, filled, today};
use crate::app::report::{self, Period, ReportError, Summary};
use crate::web::auth::Authed;
use crate::web::error::WebError;
use crate::web::page;
use crate::web::state::{AppState, blocking};

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports", get(reports))
}

#[derive(Deserialize)]
struct ReportForm {
    period: Option<String>,
    date: Option<String>,
}

async fn reports(
    Extension(user): Extension<Authed>,
    State(s): State<AppState>,
    Query(f): Query<ReportForm>,
) -> Result<Markup, WebError> {
    // team leaders check every shift (班检表); managers weekly and monthly
    user.may_export()?;
    let period = match filled(&f.period).as_deref() {
        None | Some("day") => Period::Day,
        Some("week") => Period::Week,
        Some("month") => Period::Month,
        Some(other) => {
            return Err(WebError::BadInput(format!(
                "报表周期“{other}”不对，请选 日报、周报 或 月报 (period: day, week or month)"
            )));
        }
    };
    let day = date("日期", &f.date)?.unwrap_or_else(|| today(&s));
    let (from, to, title) = report::period_range(period, day)
        .map_err(|e| WebError::BadInput(format!("日期超出范围，请换一个日期 ({e})")))?;
    let store = s.store.clone();
    let tz = s.tz;
    let events = blocking(move || {
        report::period_events(&store, tz, from, to).map_err(|e| match e {
            ReportError::Store(e) => WebError::Store(e),
            other => WebError::Internal(other.to_string()),
        })
    })
    .await?;
    let summary = report::summarise(&events);
    let hours = report::by_hour(&events, tz);
    let zh = title.split(' ').next().unwrap_or(title);
    let last = to - chrono::Duration::days(1);
    let range = if period == Period::Day {
        from.format("%Y-%m-%d").to_string()
    } else {
        format!("{} 至 {}", from.format("%Y-%m-%d"), last.format("%Y-%m-%d"))
    };
    let key = match period {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    };
    Ok(page::layout(
        &user,
        "报表",
        html! {
            form.form-row method="get" action="/reports" {
                label { "报表"
                    select name="period" {
                        option value="day" selected[key == "day"] { "日报（班检）" }
                        option value="week" selected[key == "week"] { "周报" }
                        option value="month" selected[key == "month"] { "月报" }
                    }
                }
                label { "日期（周报取所在周，月报取所在月）" input type="date" name="date" value=(day); }
                button.ok type="submit" { "查看" }
            }
            h2 { (s.gate) " · " (zh) " · " (range) }
            (counts(&summary))
            h2 { "各时段通行量（人员和车辆，按小时）" }
            (hour_chart(&hours))
        },
    ))
}

fn counts(s: &Summary) -> Markup {
    let people: usize = s.people_by_class.values().sum::<usize>() + s.people_unknown;
    html! {
        table #counts {
            tbody {
                tr { th { "人员" } td.n { (people) } }
                @for (class, n) in &s.people_by_class {
                    tr { td { "　" (class.zh()) } td.n data-class=(class.key()) { (n) } }
                }
                @if s.people_unknown > 0 {
                    tr { td { "　未识别" } td.n { (s.people_unknown) } }
                }
                tr { th { "车辆进" } td.n #vehicles-in { (s.vehicles_in) } }
                tr { th { "车辆出" } td.n #vehicles-out { (s.vehicles_out) } }
                tr { th { "警报" } td.n #alerts { (s.alerts) } }
                tr { td { "　其中超限车辆（4吨以上）劝离" } td.n #oversize { (s.oversize) } }
                tr { th { "登记（访客、出入证、放行条）" } td.n #registrations { (s.registrations) } }
            }
        }
    }
}

/// 24 bars, one per hour of the day, drawn in SVG: no script, no library.
fn hour_chart(hours: &[usize; 24]) -> Markup {
    const WIDTH: f64 = 760.0;
    const HEIGHT: f64 = 260.0;
    const LEFT: f64 = 40.0;
    const TOP: f64 = 22.0;
    const BOTTOM: f64 = 36.0;
    let plot = HEIGHT - TOP - BOTTOM;
    let slot = (WIDTH - LEFT - 10.0) / 24.0;
    let bar = slot * 0.7;
    let max = hours.iter().copied().max().unwrap_or(0).max(1);
    let base = TOP + plot;
    let total: usize = hours.iter().sum();
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {HEIGHT}"))
            width="100%" role="img" aria-label=(format!("各小时通行量，共 {total} 次")) {
            title { "各小时通行量（人员和车辆），共 " (total) " 次" }
            line x1=(LEFT) y1=(base) x2=(WIDTH - 10.0) y2=(base) stroke="#999" {}
            line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(base) stroke="#999" {}
            text x=(LEFT - 6.0) y=(TOP + 4.0) text-anchor="end" font-size="12" { (max) }
            text x=(LEFT - 6.0) y=(base) text-anchor="end" font-size="12" { "0" }
            text x="4" y="14" font-size="12" { "次数" }
            @for (h, n) in hours.iter().enumerate() {
                @let high = plot * (*n as f64) / (max as f64);
                @let x = LEFT + slot * h as f64 + (slot - bar) / 2.0;
                rect.bar data-hour=(h) data-count=(n) x=(format!("{x:.1}")) y=(format!("{:.1}", base - high))
                    width=(format!("{bar:.1}")) height=(format!("{high:.1}")) fill="#1c6fd1" {
                    title { (format!("{h:02}:00–{:02}:00：{n} 次", h + 1)) }
                }
                @if *n > 0 {
                    text x=(format!("{:.1}", x + bar / 2.0)) y=(format!("{:.1}", base - high - 3.0))
                        text-anchor="middle" font-size="11" { (n) }
                }
                @if h % 2 == 0 {
                    text x=(format!("{:.1}", x + bar / 2.0)) y=(base + 16.0) text-anchor="middle" font-size="12" { (h) "时" }
                }
            }
            text x=(WIDTH / 2.0) y=(HEIGHT - 4.0) text-anchor="middle" font-size="12" { "时段（当地时间）" }
        }
    }
}

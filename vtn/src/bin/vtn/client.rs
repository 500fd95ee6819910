//! The admin API client commands, on the typed contract of [`vtn::api`].

use serde_json::{json, Value};
use vtn::api::{
    EventChanged, EventView, NewVen, PolicyBody, PolicyView, ReadingView, ReportAsk,
    ReportRequested, VenPatch, VenView,
};
use vtn::client::{seg, typed, ApiClient};

use crate::cli::{Cmd, EventsCmd, ReportsCmd, VensCmd};
use crate::table::{self, cell};

pub(crate) async fn run(cmd: Cmd, api: ApiClient) -> anyhow::Result<()> {
    // A closed stdout (`vtn openapi | head`) ends the output, not the process with a panic.
    let print = |v: &Value| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(v).unwrap_or_default()
        );
    };
    match cmd {
        Cmd::Serve(_) | Cmd::Verify(_) => unreachable!("handled in main"),
        Cmd::Openapi => print(&api.get("/openapi.json", &[]).await?),
        Cmd::Events(EventsCmd::Create(a)) => {
            let v: EventChanged = typed(api.post("/events", &a.body(true)?).await?)?;
            println!("{}", cell(&v.event_id));
        }
        Cmd::Events(EventsCmd::Modify { event_id, args }) => {
            let v: EventChanged = typed(
                api.patch(&format!("/events/{}", seg(&event_id)), &args.body(false)?)
                    .await?,
            )?;
            println!(
                "{} modification {}",
                cell(&v.event_id),
                v.modification_number
            );
        }
        Cmd::Events(EventsCmd::Cancel { event_id }) => {
            let v: EventChanged = typed(api.delete(&format!("/events/{}", seg(&event_id))).await?)?;
            println!(
                "{} cancelled (modification {})",
                cell(&v.event_id),
                v.modification_number
            );
        }
        Cmd::Events(EventsCmd::Show { event_id }) => {
            print(&api.get(&format!("/events/{}", seg(&event_id)), &[]).await?)
        }
        Cmd::Events(EventsCmd::List { json }) => {
            let v = api.get("/events", &[]).await?;
            if json {
                print(&v);
            } else {
                table::events(&typed::<Vec<EventView>>(v)?);
            }
        }
        Cmd::Vens(VensCmd::List { json }) => {
            let v = api.get("/vens", &[]).await?;
            if json {
                print(&v);
            } else {
                table::vens(&typed::<Vec<VenView>>(v)?);
            }
        }
        Cmd::Vens(VensCmd::Add {
            name,
            fingerprint,
            profile,
        }) => {
            let body = NewVen {
                ven_name: name,
                cert_fingerprint: fingerprint,
                ven_id: None,
                profile: profile
                    .map(|p| p.parse().map_err(anyhow::Error::msg))
                    .transpose()?,
            };
            let v: VenView = typed(api.post("/vens", &serde_json::to_value(body)?).await?)?;
            println!("{}", cell(&v.ven_id));
        }
        Cmd::Vens(VensCmd::Policy { policy }) => {
            let v = match policy {
                Some(p) => {
                    let body = serde_json::to_value(PolicyBody { policy: p })?;
                    api.put("/registration-policy", &body).await?
                }
                None => api.get("/registration-policy", &[]).await?,
            };
            println!("{}", typed::<PolicyView>(v)?.policy.as_str());
        }
        Cmd::Vens(VensCmd::Show { ven }) => {
            print(&api.get(&format!("/vens/{}", seg(&ven)), &[]).await?)
        }
        Cmd::Vens(VensCmd::Reregister { ven }) => {
            api.post(&format!("/vens/{}/reregister", seg(&ven)), &json!({}))
                .await?;
            println!("oadrRequestReregistration queued for {ven}");
        }
        Cmd::Vens(VensCmd::Cancel { ven }) => {
            api.post(
                &format!("/vens/{}/cancel-registration", seg(&ven)),
                &json!({}),
            )
            .await?;
            println!("oadrCancelPartyRegistration queued for {ven}");
        }
        Cmd::Vens(VensCmd::Set {
            ven,
            groups,
            resources,
            party,
        }) => {
            let patch = VenPatch {
                groups: (!groups.is_empty()).then_some(groups),
                resources: (!resources.is_empty()).then_some(resources),
                party_id: party,
                cert_fingerprint: None,
            };
            print(
                &api.patch(
                    &format!("/vens/{}", seg(&ven)),
                    &serde_json::to_value(patch)?,
                )
                .await?,
            );
        }
        Cmd::Readings(a) => {
            let mut q = Vec::new();
            for (k, v) in [
                ("ven", a.ven),
                ("report_name", a.report_name),
                ("report_request_id", a.report_request_id),
                ("rid", a.rid),
                ("from", a.from),
                ("to", a.to),
                ("limit", a.limit.map(|l| l.to_string())),
            ] {
                if let Some(v) = v {
                    q.push((k, v));
                }
            }
            let v = api.get("/readings", &q).await?;
            if a.json {
                print(&v);
            } else {
                table::readings(&typed::<Vec<ReadingView>>(v)?);
            }
        }
        Cmd::Reports(ReportsCmd::List { ven }) => {
            let q: Vec<(&str, String)> = ven.map(|v| vec![("ven", v)]).unwrap_or_default();
            print(&api.get("/reports", &q).await?);
        }
        Cmd::Reports(ReportsCmd::Request {
            ven,
            report_specifier_id,
            granularity,
            report_back_duration,
            start,
            end,
        }) => {
            let now = chrono::Utc::now();
            let t = |x: Option<String>| {
                x.map(|s| {
                    vtn::http::admin::parse_start(&s, now).map_err(|e| anyhow::anyhow!("{e}"))
                })
                .transpose()
            };
            let body = ReportAsk {
                report_specifier_id,
                rids: vec![],
                granularity,
                report_back_duration,
                start: t(start)?,
                end: t(end)?,
            };
            let v: ReportRequested = typed(
                api.post(
                    &format!("/vens/{}/report-requests", seg(&ven)),
                    &serde_json::to_value(body)?,
                )
                .await?,
            )?;
            println!("{}", cell(&v.report_request_id));
        }
        Cmd::Reports(ReportsCmd::Cancel { report_request_id }) => {
            api.delete(&format!("/report-requests/{}", seg(&report_request_id)))
                .await?;
            println!("oadrCancelReport queued for {report_request_id}");
        }
    }
    Ok(())
}

//! Live reload: every served HTML page carries a small script that opens a
//! server-sent event stream and reloads the page when the site's generation
//! moves; the same pages carry the error overlay while the last save has
//! errors. Both are added at serve time only, never in `build` output.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

use super::http::{Server, EVENTS};
use super::Snapshot;

/// The event stream: the current generation at once, then each new one.
/// A comment line every 15 s finds clients that went away.
pub(super) async fn events(State(server): State<Arc<Server>>, request: Request) -> Response {
    if server.log {
        println!("{} {EVENTS} (live reload)", request.method());
    }
    let mut current = server.shared.subscribe();
    let first = current.borrow_and_update().generation;
    // After a lost connection (serve restarted), the browser retries soon.
    let hello = Event::default()
        .retry(Duration::from_millis(300))
        .data(first.to_string());
    let later = stream::unfold(current, |mut current| async move {
        current.changed().await.ok()?;
        let generation = current.borrow_and_update().generation;
        Some((Event::default().data(generation.to_string()), current))
    });
    let events = futures_util::StreamExt::map(
        futures_util::StreamExt::chain(stream::iter([hello]), later),
        Ok::<_, Infallible>,
    );
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page's bytes with the real stamps, and for HTML the live-reload script
/// and the error overlay.
pub(super) fn page(snapshot: &Snapshot, path: &str, bytes: &Arc<Vec<u8>>) -> Vec<u8> {
    let filled = match &snapshot.stamps {
        Some(s) => s.fill(bytes),
        None => bytes.to_vec(),
    };
    if !path.ends_with(".html") {
        return filled;
    }
    let mut inject = String::new();
    if let Some(error) = &snapshot.error {
        inject.push_str(&overlay(error));
    }
    inject.push_str(&format!(
        "<script>(function(){{var g=\"{}\";var s=new EventSource(\"{EVENTS}\");\
         s.onmessage=function(e){{if(e.data!==g){{s.close();location.reload();}}}};}})();</script>\n",
        snapshot.generation
    ));
    // Spliced in place: the archive of a large site is megabytes, and every
    // extra pass over it costs each request (see bench/load.sh).
    let mut filled = filled;
    let at = filled
        .windows(7)
        .rposition(|w| w == b"</body>")
        .unwrap_or(filled.len());
    filled.splice(at..at, inject.into_bytes());
    filled
}

fn overlay(error: &str) -> String {
    let escaped = error
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<div id=\"upfront-error\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;\
         margin:0;padding:1rem 1.25rem;background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;\
         font:14px/1.5 ui-monospace,monospace;z-index:2147483647;white-space:pre-wrap\">\
         <strong>upfront: this save has errors; showing the last good site.</strong>\n{escaped}</div>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::super::resolve;
    use super::*;

    #[test]
    fn pages_get_the_script_and_overlay_others_do_not() {
        let mut s = Snapshot {
            generation: 7,
            ..Snapshot::default()
        };
        Arc::make_mut(&mut s.files).insert(
            "index.html".into(),
            Arc::new(b"<html><body><p>hi</p></body></html>".to_vec()),
        );
        Arc::make_mut(&mut s.files).insert("status.json".into(), Arc::new(b"{}".to_vec()));
        let (code, ct, body, _) = resolve(&s, "/");
        let body = String::from_utf8(body).unwrap();
        assert_eq!((code, ct), (200, "text/html; charset=utf-8"));
        assert!(
            body.contains("EventSource") && body.contains("\"7\""),
            "{body}"
        );
        assert!(body.find("EventSource").unwrap() < body.find("</body>").unwrap());
        let (_, _, json, _) = resolve(&s, "/status.json");
        assert_eq!(json, b"{}");
        s.error = Some("content/incidents/a.md:3:1: <bad>".into());
        let (_, _, body, _) = resolve(&s, "/");
        let body = String::from_utf8(body).unwrap();
        assert!(
            body.contains("upfront-error") && body.contains("a.md:3:1: &lt;bad&gt;"),
            "{body}"
        );
    }
}

//! The few browser APIs the client uses. On the server these answer `None`:
//! whatever they feed is set from an effect, after hydration, so the server's
//! HTML and the client's first render always agree.

use crate::domain::{ZoneName, Zones};
use chrono::{DateTime, NaiveDateTime, Utc};

/// The browser's IANA time zone, e.g. `Europe/Paris`.
pub fn time_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let format =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        let options = format.resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// A stored instant (`2025-11-05T14:00:00Z`) written in the browser's own
/// zone, e.g. `Wed, Nov 5, 2025, 03:00 PM GMT+1` (`display_time`).
pub fn local_time(stored: &str) -> Option<String> {
    let utc = crate::domain::time::parse_stored(stored)?;
    #[cfg(feature = "hydrate")]
    {
        let millis = utc.and_utc().timestamp_millis() as f64;
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis));
        // Minutes from local time to UTC, at that instant.
        let offset = -(date.get_timezone_offset() as i32);
        Some(crate::domain::time::display_time(utc, offset))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = utc;
        None
    }
}

/// Tells the server the browser's zone (a cookie), so that the pages it
/// renders next show times as the browser would.
pub fn remember_zone() {
    #[cfg(feature = "hydrate")]
    if let (Some(zone), Some(document)) =
        (time_zone(), web_sys::window().and_then(|w| w.document()))
    {
        let cookie = format!(
            "{}={zone}; path=/; max-age=31536000; samesite=lax",
            crate::domain::time::ZONE_COOKIE
        );
        let _ = js_sys::Reflect::set(&document, &"cookie".into(), &cookie.into());
    }
}

/// Whether the page was rendered in the browser's own zone (its cookie
/// named that zone when the page was asked for).
pub fn rendered_in_own_zone() -> bool {
    #[cfg(feature = "hydrate")]
    {
        let cookies = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| js_sys::Reflect::get(&d, &"cookie".into()).ok())
            .and_then(|c| c.as_string())
            .unwrap_or_default();
        crate::domain::time::zone_in_cookies(&cookies)
            .is_some_and(|named| time_zone().as_deref() == Some(named))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// The URL of the live stream on this page's host.
pub fn live_url(since: i64) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!(
            "{scheme}://{}/api/ws?since={since}",
            location.host().ok()?
        ))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = since;
        None
    }
}

/// A number in [0, 1), for jitter.
pub fn random() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Math::random()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.5
    }
}

/// The browser's own time zone, the one zone it can resolve without a time
/// zone database: enough to check a form before sending. Names are taken as
/// given; the server, which has the database, decides about them.
pub struct BrowserZones;

impl Zones for BrowserZones {
    fn zone(&self, name: &str) -> Option<ZoneName> {
        (!name.is_empty()).then(|| ZoneName::known(name))
    }

    fn to_utc(&self, _zone: &ZoneName, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        local_input_instant(&crate::domain::time::local_text(local))
    }
}

/// Reads a `datetime-local` value (wall clock in the browser's zone) as an
/// instant.
fn local_input_instant(value: &str) -> Option<DateTime<Utc>> {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value));
        let millis = date.get_time();
        if millis.is_nan() {
            return None;
        }
        DateTime::from_timestamp_millis(millis as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = value;
        None
    }
}

/// Moves focus to the element with this id.
pub fn focus_id(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Keeps Tab and Shift+Tab inside `container` (a modal dialog). Returns
/// whether focus was moved (the event's default should then be prevented).
pub fn trap_tab(container_id: &str, backwards: bool) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return false;
        };
        let Some(container) = doc.get_element_by_id(container_id) else {
            return false;
        };
        let Ok(nodes) = container.query_selector_all(
            "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea",
        ) else {
            return false;
        };
        let items: Vec<web_sys::HtmlElement> = (0..nodes.length())
            .filter_map(|i| nodes.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            .collect();
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return false;
        };
        let active = doc.active_element();
        let at = |el: &web_sys::HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
        };
        let inside = active.as_ref().is_some_and(|a| container.contains(Some(a)));
        if backwards && (at(first) || !inside) {
            let _ = last.focus();
            return true;
        }
        if !backwards && (at(last) || !inside) {
            let _ = first.focus();
            return true;
        }
        false
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (container_id, backwards);
        false
    }
}

/// Marks the page as hydrated (`<body data-hydrated>`), for tests and styles.
pub fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// Loads `path` as a new page.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// The page's permission to show desktop notifications: `granted`, `denied`
/// or `default` (not asked yet); `None` where the browser has none.
pub fn notification_permission() -> Option<&'static str> {
    #[cfg(feature = "hydrate")]
    {
        use web_sys::{Notification, NotificationPermission};
        let window = web_sys::window()?;
        if !js_sys::Reflect::has(&window, &"Notification".into()).unwrap_or(false) {
            return None;
        }
        Some(match Notification::permission() {
            NotificationPermission::Granted => "granted",
            NotificationPermission::Denied => "denied",
            _ => "default",
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Asks the browser for permission to notify (only ever from a click), then
/// calls `answered` with the new permission.
pub fn ask_notification_permission(answered: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        if let Ok(promise) = web_sys::Notification::request_permission() {
            let callback = Closure::once(move |_: wasm_bindgen::JsValue| answered());
            let _ = promise.then(&callback);
            callback.forget();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = answered;
    }
}

/// Shows `text` as a system notification when the tab is hidden and the
/// user allowed it; clicking it brings the tab forward.
pub fn desktop_notify(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let Some(window) = web_sys::window() else {
            return;
        };
        let hidden = window.document().is_some_and(|d| d.hidden());
        if !hidden || notification_permission() != Some("granted") {
            return;
        }
        if let Ok(notification) = web_sys::Notification::new(text) {
            let shown = notification.clone();
            let on_click = Closure::<dyn FnMut()>::new(move || {
                let _ = window.focus();
                shown.close();
            });
            notification.set_onclick(Some(on_click.as_ref().unchecked_ref()));
            on_click.forget();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
    }
}

//! What keeps the app's idle memory small, and the blank-page baseline the benchmark compares
//! against (e2e/bench.mjs).
//!
//! Where the memory went (10,000 cached machines, idle, under Xvfb; see the benchmark): most of
//! it is WebKit's, not ours. WebKitGTK's accelerated compositing loads Mesa (llvmpipe, libLLVM)
//! and keeps GL buffers in the web process; its memory cache is sized for a browser. The app's
//! own page is one screen of a few dozen table rows (the fleet table is virtualised). So:
//! - compositing is off (`HardwareAccelerationPolicy::Never`): the UI is a form-and-table app
//!   with no 3D, video or CSS effects that need a GPU (`SATOP_WEBKIT_COMPOSITING=1` keeps it on,
//!   for the screenshot tests);
//! - the cache model is `DocumentViewer` (one local page, nothing to cache) and the
//!   back/forward page cache is off (the app never navigates);
//! - WebKit's memory-pressure handler starts freeing caches at a low threshold, so an idle app
//!   gives back what a burst (10,000 rows sorted, a large activity log) took.
//!
//! `SATOP_BLANK_PAGE=1` starts the same binary with the same WebKit settings showing an empty
//! page and no app state at all: the floor that the benchmark's ratio is against.

use tauri::{Manager, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

/// The variable that selects the blank-page baseline.
pub const BLANK_PAGE_VAR: &str = "SATOP_BLANK_PAGE";

/// The variable that keeps WebKit's accelerated compositing on (`1`). The end-to-end tests set
/// it: WebKitWebDriver's screenshots never return from a window without compositing under Xvfb
/// (seen with WebKitGTK 2.50), and the tests need screenshots. A user whose display renders
/// better with compositing can set it too.
pub const COMPOSITING_VAR: &str = "SATOP_WEBKIT_COMPOSITING";

/// True when [`COMPOSITING_VAR`] asks for compositing.
pub fn compositing() -> bool {
    std::env::var(COMPOSITING_VAR).is_ok_and(|v| v == "1")
}

/// True when this run is the benchmark's blank-page baseline.
pub fn blank_page() -> bool {
    std::env::var(BLANK_PAGE_VAR).is_ok_and(|v| v == "1")
}

/// Creates the main window from its configuration (it is `create: false` in tauri.conf.json so
/// that WebKit's process-wide limits are set before its first web process starts), tuned, with
/// the app's page or, for the baseline, an empty one.
///
/// # Errors
/// Tauri's, when the window cannot be built.
pub fn open_main_window<R: tauri::Runtime, M: Manager<R>>(
    manager: &M,
) -> tauri::Result<WebviewWindow<R>> {
    #[cfg(target_os = "linux")]
    linux::limit_web_process();
    let mut config = manager
        .config()
        .app
        .windows
        .first()
        .cloned()
        .unwrap_or_default();
    if blank_page() {
        if let Ok(url) = "about:blank".parse() {
            config.url = WebviewUrl::External(url);
        }
    }
    let window = WebviewWindowBuilder::from_config(manager, &config)?.build()?;
    #[cfg(target_os = "linux")]
    window.with_webview(|w| linux::tune(&w.inner()))?;
    Ok(window)
}

#[cfg(target_os = "linux")]
mod linux {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, MemoryPressureSettings, SettingsExt, WebContextExt,
        WebViewExt, WebsiteDataManager,
    };

    /// The web process's memory limit (MiB) for WebKit's pressure handler: it frees caches from
    /// a third of it (conservative) and harder from half (strict); it never kills the process.
    const WEB_PROCESS_LIMIT_MIB: u32 = 192;
    /// How often (seconds) the handler looks.
    const POLL_SECS: f64 = 5.0;

    /// Process-wide: must run on the main thread before the first web context exists.
    pub fn limit_web_process() {
        let mut settings = MemoryPressureSettings::new();
        settings.set_memory_limit(WEB_PROCESS_LIMIT_MIB);
        settings.set_poll_interval(POLL_SECS);
        settings.set_kill_threshold(0.0);
        WebsiteDataManager::set_memory_pressure_settings(&mut settings);
    }

    /// Per webview: no compositing (unless [`super::COMPOSITING_VAR`] asks for it), no page
    /// cache, the smallest cache model.
    pub fn tune(view: &webkit2gtk::WebView) {
        if let Some(settings) = WebViewExt::settings(view) {
            if !super::compositing() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            settings.set_enable_page_cache(false);
            settings.set_enable_webgl(false);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    }
}

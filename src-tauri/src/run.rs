//! The Tauri builder: one managed [`App`], the generated invoke handler, demo mode at start.

use tauri::Manager;

use crate::app::App;
use crate::{bindings, events, memory, setup};

/// The longest the app waits at exit for its shutdown work.
const SHUTDOWN_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Starts the desktop app; returns when the last window closes.
pub fn run() {
    setup::init_logging();
    // First, before any thread or webview starts: this takes the passphrase out of the
    // environment, so WebKit's child processes never see it.
    let secrets = setup::secrets();
    let builder = bindings::builder();
    let result = tauri::Builder::default()
        .invoke_handler(builder.invoke_handler())
        .setup(move |tauri_app| {
            builder.mount_events(tauri_app);
            memory::open_main_window(tauri_app)?;
            if memory::blank_page() {
                // The benchmark's baseline: the window and WebKit, none of the app.
                return Ok(());
            }
            let data_dir = setup::data_dir()?;
            let app = tauri::async_runtime::block_on(App::open(&data_dir, secrets?))?;
            tauri_app.manage(app.clone());
            // Every remote signer call that may need a tap is shown with a countdown.
            let handle = tauri_app.handle().clone();
            tauri::async_runtime::block_on(app.fleet().set_signer_prompt(std::sync::Arc::new(
                move |a| {
                    let _ =
                        tauri_specta::Event::emit(&crate::dto::SignerApproval::from(a), &handle);
                },
            )));
            tauri::async_runtime::spawn(app.clone().keep_fleet());
            // The live watch of the ATMs' traffic: last_seen_at while the app runs; the screens
            // hear `LivenessSeen` after each write.
            let watching = app.clone();
            let handle = tauri_app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Some(updates) = watching.start_watch().await {
                    events::forward_liveness(updates, handle).await;
                }
            });
            // Demo mode: a console that last used the embedded sandbox gets it back at start,
            // on the same port, so the stored profile keeps working.
            // Then the pairing codes the last run could not burn at exit are burned.
            tauri::async_runtime::spawn(async move {
                if let Err(e) = app.resume_sandbox().await {
                    tracing::warn!(error = %e, "could not restart the sandbox bunker");
                }
                app.burn_leftovers().await;
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    match result {
        Ok(tauri_app) => tauri_app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                let Some(app) = handle.try_state::<App>().map(|a| a.inner().clone()) else {
                    return;
                };
                // Burning open pairing codes and stopping the sandbox are bounded calls, but an
                // exit must never hang on them: after SHUTDOWN_LIMIT the process goes anyway.
                let done = tauri::async_runtime::block_on(async {
                    tokio::time::timeout(SHUTDOWN_LIMIT, app.shutdown()).await
                });
                if done.is_err() {
                    tracing::warn!("shutdown did not finish in time; exiting anyway");
                }
            }
        }),
        Err(e) => {
            tracing::error!(error = %e, "the app could not start");
            eprintln!("Satmachine Operator could not start: {e}");
            std::process::exit(1);
        }
    }
}

//! Facesort's page: the UI on the main thread. Decoding and inference run in
//! workers (see `worker.rs`), so this binary never links tract.

fn main() {
    facesort::web::ui::mount();
}

//! Facesort's Web Worker: decoding and inference off the page's main thread.

fn main() {
    facesort::web::worker::run();
}

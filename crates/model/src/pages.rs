//! Which page a path shows. The app has five pages and no in-app navigation,
//! so the path is read once at start instead of shipping a router. The
//! server reads it too: a customer's page is sent the customer's small build
//! of the UI, a staff page the whole one.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Dispatcher,
    Board,
    Track(String),
    /// The workshop: the four transports and SSE over database polling compared live.
    Workshop,
    /// Prep-time reports, and the search of finished orders.
    Reports,
    /// A kitchen station's screen (`/station/{id}`): its items of active orders.
    Station(String),
    NotFound,
}

impl Page {
    /// The pages a customer opens (the board, a tracking link, or a link that
    /// leads nowhere): the customer's build of the UI shows them, without the
    /// staff pages' code.
    pub fn is_for_customers(&self) -> bool {
        matches!(self, Page::Board | Page::Track(_) | Page::NotFound)
    }
}

pub fn page_for_path(path: &str) -> Page {
    let path = path.trim_end_matches('/');
    match path {
        "" | "/index.html" => Page::Dispatcher,
        "/board" => Page::Board,
        "/workshop" => Page::Workshop,
        "/reports" => Page::Reports,
        _ => {
            let tail = |prefix: &str| {
                path.strip_prefix(prefix)
                    .filter(|t| !t.is_empty() && !t.contains('/'))
                    .map(str::to_string)
            };
            if let Some(token) = tail("/track/") {
                Page::Track(token)
            } else if let Some(id) = tail("/station/") {
                Page::Station(id)
            } else {
                Page::NotFound
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths_to_pages() {
        assert_eq!(page_for_path("/"), Page::Dispatcher);
        assert_eq!(page_for_path("/board"), Page::Board);
        assert_eq!(page_for_path("/board/"), Page::Board);
        assert_eq!(page_for_path("/workshop"), Page::Workshop);
        assert_eq!(page_for_path("/workshop/"), Page::Workshop);
        assert_eq!(page_for_path("/reports"), Page::Reports);
        assert_eq!(page_for_path("/track/Ab_9-x"), Page::Track("Ab_9-x".into()));
        assert_eq!(page_for_path("/track/"), Page::NotFound);
        assert_eq!(page_for_path("/track/a/b"), Page::NotFound);
        assert_eq!(page_for_path("/nope"), Page::NotFound);
        assert_eq!(
            page_for_path("/station/grill"),
            Page::Station("grill".into())
        );
        assert_eq!(
            page_for_path("/station/grill/"),
            Page::Station("grill".into())
        );
        assert_eq!(page_for_path("/station/"), Page::NotFound);
        assert_eq!(page_for_path("/station/a/b"), Page::NotFound);
    }

    #[test]
    fn customers_pages() {
        assert!(page_for_path("/board").is_for_customers());
        assert!(page_for_path("/track/Ab_9-x").is_for_customers());
        assert!(page_for_path("/track/").is_for_customers());
        assert!(!page_for_path("/").is_for_customers());
        assert!(!page_for_path("/index.html").is_for_customers());
        assert!(!page_for_path("/workshop").is_for_customers());
        assert!(!page_for_path("/reports").is_for_customers());
        assert!(!page_for_path("/station/grill").is_for_customers());
    }
}

//! The query layer on every backend: lookups, joins, ordering, pagination,
//! writes, deletes, constraint errors, transactions, type round trips.

use crate::common;
use hangar::db::Table as _;

use common::models::*;
use hangar::db::{Db, DeleteMode, Error, Model as _, Op, Select, Value};
use hangar::utils::PaginatedQuery;
use time::OffsetDateTime;

backend_cases!(crate::common::models::schemas();
    eq_and_ne, comparisons, in_and_not_in, null_lookups, like_is_case_sensitive,
    ilike_and_contains_are_case_insensitive, wildcards_in_values_are_literal, between,
    negation_keeps_nulls, repeated_values_or_and_negations_and, join_through_foreign_key,
    two_foreign_keys_to_one_table_filter_independently, two_step_join_path, ordering,
    pagination_edges, count_exists_get, insert_update_and_update_by_query,
    recursive_delete_removes_dependents, restrict_delete_refuses_and_keeps_rows,
    delete_by_query, unique_violation_names_field, foreign_key_violation_names_field,
    required_field_is_reported_before_sending, typed_errors_for_bad_input,
    every_type_round_trips_exactly, transactions_commit_and_roll_back,
    values_are_bound_never_spliced, insert_fields_fills_defaults,
    concurrent_writers_lose_nothing,
    text_past_max_length_is_refused,
    atomic_scopes_nest_on_one_connection,
    choices_are_enforced,
    regular_expressions,
);

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

fn contents(msgs: &[Message]) -> Vec<String> {
    let mut v: Vec<String> = msgs.iter().map(|m| m.content.clone()).collect();
    v.sort();
    v
}

async fn messages_where(db: &Db, pairs: &[(&str, &str)]) -> Vec<Message> {
    Message::select()
        .where_pairs(pairs.iter().copied(), &[])
        .unwrap_or_else(|e| panic!("{pairs:?}: {e}"))
        .all(db)
        .await
        .expect("query")
}

async fn eq_and_ne(db: Db) {
    seed(&db).await;
    let bob = User::select()
        .filter("username", Op::Eq, "bob")
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&bob), ["bob"]);
    let not_bob = User::select()
        .filter("username", Op::Ne, "bob")
        .unwrap()
        .order_by("username")
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&not_bob), ["alice", "carol", "dave"]);
    // equality on text is case-sensitive everywhere
    assert_eq!(
        User::select()
            .filter("username", Op::Eq, "BOB")
            .unwrap()
            .count(&db)
            .await
            .unwrap(),
        0
    );
    // booleans parse from 0/1/true/false
    for (raw, n) in [("true", 3), ("1", 3), ("false", 1), ("0", 1)] {
        let q = User::select().where_pairs([("active", raw)], &[]).unwrap();
        assert_eq!(q.count(&db).await.unwrap(), n, "active={raw}");
    }
}

async fn comparisons(db: Db) {
    let w = seed(&db).await;
    let ids = |pairs: &'static [(&'static str, &'static str)]| {
        let db = db.clone();
        async move {
            let mut v: Vec<i64> = User::select()
                .where_pairs(pairs.iter().copied(), &[])
                .unwrap()
                .all(&db)
                .await
                .unwrap()
                .iter()
                .map(|u| u.id)
                .collect();
            v.sort();
            v
        }
    };
    let (a, b, c, d) = (w.alice.id, w.bob.id, w.carol.id, w.dave.id);
    assert_eq!(ids(&[("id__lt", "3")]).await, [a, b]);
    assert_eq!(ids(&[("id__lte", "3")]).await, [a, b, c]);
    assert_eq!(ids(&[("id__gt", "3")]).await, [d]);
    assert_eq!(ids(&[("id__gte", "3")]).await, [c, d]);
    assert_eq!(ids(&[("id__gt", "1"), ("id__lt", "4")]).await, [b, c]);
    // timestamps compare as time, whatever the input offset
    let msgs = messages_where(&db, &[("pub_date__lt", "2023-11-14T22:15:20Z")]).await;
    assert_eq!(msgs.len(), 2);
    let msgs = messages_where(&db, &[("pub_date__gte", "2023-11-14T23:14:00+01:00")]).await;
    assert_eq!(msgs.len(), 8);
}

async fn in_and_not_in(db: Db) {
    seed(&db).await;
    let q = |pairs: &[(&str, &str)]| {
        User::select()
            .where_pairs(pairs.iter().copied(), &[])
            .unwrap()
            .order_by("username")
            .unwrap()
    };
    let r = q(&[("username__in", "alice,carol")])
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&r), ["alice", "carol"]);
    let r = q(&[("username__in", "alice"), ("username__in", "dave")])
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&r), ["alice", "dave"]);
    let r = q(&[("username__not_in", "alice,carol")])
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&r), ["bob", "dave"]);
    let r = User::select()
        .filter_values("id", Op::In, vec![])
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    assert!(r.is_empty());
    let r = q(&[("id__in", "1,2,3"), ("id__not_in", "2")])
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&r), ["alice", "carol"]);
}

async fn null_lookups(db: Db) {
    seed(&db).await;
    let count = |pairs: &'static [(&'static str, &'static str)]| {
        let db = db.clone();
        async move {
            Note::select()
                .where_pairs(pairs.iter().copied(), &[])
                .unwrap()
                .count(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(&[("status__is", "null")]).await, 1);
    assert_eq!(count(&[("status__is", "none")]).await, 1);
    assert_eq!(count(&[("status__is_not", "null")]).await, 2);
    assert_eq!(count(&[("status__is_null", "true")]).await, 1);
    assert_eq!(count(&[("status__is_null", "false")]).await, 2);
    assert_eq!(count(&[("status", "1")]).await, 1);
    // typed API: a NULL value for eq means IS NULL
    let n = Note::select()
        .filter("status", Op::Eq, Value::Null)
        .unwrap()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(Note::select()
        .where_pairs([("status__is", "maybe")], &[])
        .is_err());
    // booleans with `is`
    assert_eq!(
        User::select()
            .where_pairs([("active__is", "false")], &[])
            .unwrap()
            .count(&db)
            .await
            .unwrap(),
        1
    );
}

async fn like_is_case_sensitive(db: Db) {
    seed(&db).await;
    let r = messages_where(&db, &[("content__like", "Carol%")]).await;
    assert_eq!(contents(&r), ["Carol here"]);
    let r = messages_where(&db, &[("content__like", "%alice%")]).await;
    assert_eq!(
        contents(&r),
        ["alice again: 100% sure", "third_post by alice"]
    );
    let r = messages_where(&db, &[("content__like", "B_b%")]).await;
    assert_eq!(contents(&r), ["Bob says hi"]);
}

async fn ilike_and_contains_are_case_insensitive(db: Db) {
    seed(&db).await;
    let r = messages_where(&db, &[("content__ilike", "carol%")]).await;
    assert_eq!(contents(&r), ["CAROL SHOUTS", "Carol here"]);
    let r = messages_where(&db, &[("content__contains", "ALICE")]).await;
    assert_eq!(r.len(), 3);
    let r = messages_where(&db, &[("content__icontains", "alice")]).await;
    assert_eq!(r.len(), 3);
    let r = messages_where(&db, &[("content__startswith", "dave")]).await;
    assert_eq!(contents(&r), ["Dave again", "dave was here"]);
    let r = messages_where(&db, &[("content__istartswith", "DAVE")]).await;
    assert_eq!(r.len(), 2);
    let r = messages_where(&db, &[("content__endswith", "HI")]).await;
    assert_eq!(contents(&r), ["Bob says hi"]);
    let r = messages_where(&db, &[("content__iendswith", "here")]).await;
    assert_eq!(contents(&r), ["Carol here", "dave was here"]);
    // text lookups on a non-text column are a typed error
    let e = Message::select()
        .where_pairs([("id__contains", "1")], &[])
        .unwrap_err();
    assert!(matches!(e, Error::InvalidLookup { .. }), "{e}");
}

async fn wildcards_in_values_are_literal(db: Db) {
    seed(&db).await;
    let r = messages_where(&db, &[("content__contains", "100%")]).await;
    assert_eq!(contents(&r), ["alice again: 100% sure"]);
    let r = messages_where(&db, &[("content__contains", "d_p")]).await;
    assert_eq!(contents(&r), ["third_post by alice"]);
    let r = messages_where(&db, &[("content__contains", "%")]).await;
    assert_eq!(r.len(), 1);
    let r = messages_where(&db, &[("content__startswith", "_")]).await;
    assert!(r.is_empty());
    let r = messages_where(&db, &[("content__contains", "!")]).await;
    assert!(r.is_empty());
}

async fn between(db: Db) {
    seed(&db).await;
    let r = User::select()
        .where_pairs([("id__between", "2,3")], &[])
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(r.len(), 2);
    let r = messages_where(
        &db,
        &[
            ("pub_date__between", "2023-11-14T22:14:00Z"),
            ("pub_date__between", "2023-11-14T22:16:20Z"),
        ],
    )
    .await;
    // 22:14:20, 22:15:20 and 22:16:20 (bounds are inclusive)
    assert_eq!(r.len(), 3);
    let e = User::select()
        .where_pairs([("id__between", "1")], &[])
        .unwrap_err();
    assert!(e.to_string().contains("exactly two"), "{e}");
    let e = User::select()
        .where_pairs([("id__between", "1,2,3")], &[])
        .unwrap_err();
    assert!(matches!(e, Error::InvalidLookup { .. }));
}

async fn negation_keeps_nulls(db: Db) {
    seed(&db).await;
    let r = messages_where(&db, &[("-user__username", "alice")]).await;
    assert_eq!(r.len(), 6);
    // `-status=1` keeps the NULL-status note
    let n = Note::select()
        .where_pairs([("-status", "1")], &[])
        .unwrap()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let n = Note::select()
        .exclude("status", Op::Eq, 2)
        .unwrap()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let r = messages_where(&db, &[("-content__contains", "alice")]).await;
    assert_eq!(r.len(), 6);
}

async fn repeated_values_or_and_negations_and(db: Db) {
    seed(&db).await;
    // a match repeated ORs
    let r = messages_where(
        &db,
        &[("user__username", "bob"), ("user__username", "carol")],
    )
    .await;
    assert_eq!(r.len(), 4);
    // an exclusion repeated ANDs
    let r = messages_where(
        &db,
        &[("-user__username", "bob"), ("-user__username", "carol")],
    )
    .await;
    assert_eq!(r.len(), 5);
    // different keys AND
    let r = messages_where(
        &db,
        &[("user__username", "alice"), ("content__contains", "again")],
    )
    .await;
    assert_eq!(contents(&r), ["alice again: 100% sure"]);
    // a match and an exclusion together
    let r = messages_where(
        &db,
        &[
            ("user__username", "alice"),
            ("user__username", "bob"),
            ("-content__contains", "hi"),
        ],
    )
    .await;
    // "Bob says hi" and "tHIrd_post by alice" are excluded
    assert_eq!(r.len(), 3);
}

async fn join_through_foreign_key(db: Db) {
    seed(&db).await;
    let r = messages_where(&db, &[("user__username", "alice")]).await;
    assert_eq!(r.len(), 3);
    let r = messages_where(&db, &[("user__active", "false")]).await;
    assert_eq!(contents(&r), ["Dave again", "dave was here"]);
    let r = messages_where(&db, &[("user__username__ilike", "C%")]).await;
    assert_eq!(r.len(), 2);
    // `user_id` names the foreign key column too
    let r = messages_where(&db, &[("user_id", "2")]).await;
    assert_eq!(r.len(), 2);
}

async fn two_foreign_keys_to_one_table_filter_independently(db: Db) {
    seed(&db).await;
    let rels = |pairs: &'static [(&'static str, &'static str)]| {
        let db = db.clone();
        async move {
            Relationship::select()
                .where_pairs(pairs.iter().copied(), &[])
                .unwrap()
                .all(&db)
                .await
                .unwrap()
        }
    };
    let r = rels(&[
        ("from_user__username", "alice"),
        ("to_user__username", "carol"),
    ])
    .await;
    assert_eq!(r.len(), 1);
    let r = rels(&[("from_user__username", "alice")]).await;
    assert_eq!(r.len(), 2);
    let r = rels(&[("to_user__username", "alice")]).await;
    assert_eq!(r.len(), 1);
    // with a single shared join this would find nothing (or everything)
    let r = rels(&[
        ("from_user__username", "carol"),
        ("to_user__active", "false"),
    ])
    .await;
    assert_eq!(r.len(), 1);
    let sql = Select::new(Relationship::schema())
        .where_pairs(
            [("from_user__username", "a"), ("to_user__username", "b")],
            &[],
        )
        .unwrap()
        .to_statement(db.backend())
        .sql;
    assert_eq!(sql.matches("LEFT JOIN").count(), 2, "{sql}");
}

async fn two_step_join_path(db: Db) {
    let w = seed(&db).await;
    let alice_msg = Message::select()
        .filter("user", Op::Eq, w.alice.id)
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    let bob_msg = Message::select()
        .filter("user", Op::Eq, w.bob.id)
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    for (msg, author, body) in [
        (&alice_msg, &w.bob, "nice"),
        (&bob_msg, &w.alice, "thanks"),
        (&alice_msg, &w.carol, "+1"),
    ] {
        let mut r = Reply {
            id: 0,
            message: msg.id,
            author: author.id,
            body: body.into(),
        };
        r.insert(&db).await.unwrap();
    }
    let q = |pairs: &'static [(&'static str, &'static str)]| {
        let db = db.clone();
        async move {
            Reply::select()
                .where_pairs(pairs.iter().copied(), &[])
                .unwrap()
                .count(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(q(&[("message__user__username", "alice")]).await, 2);
    assert_eq!(
        q(&[
            ("message__user__username", "alice"),
            ("author__username", "carol")
        ])
        .await,
        1
    );
    assert_eq!(q(&[("-message__user__username", "alice")]).await, 1);
    let ordered = Reply::select()
        .order_by("message__user__username")
        .unwrap()
        .order_by("-body")
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    let bodies: Vec<&str> = ordered.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, ["nice", "+1", "thanks"]);
}

async fn ordering(db: Db) {
    seed(&db).await;
    let r = Message::select()
        .order_by("-pub_date")
        .unwrap()
        .limit(2)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(contents(&r), ["Dave again", "dave was here"]);
    let r = Message::select()
        .order_by("user__username")
        .unwrap()
        .order_by("-id")
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    let firsts: Vec<&str> = r.iter().map(|m| m.content.as_str()).take(4).collect();
    assert_eq!(
        firsts,
        [
            "third_post by alice",
            "alice again: 100% sure",
            "Hello from Alice",
            "bob's second"
        ]
    );
    let r = User::select()
        .order_by("-username")
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&r), ["dave", "carol", "bob", "alice"]);
    assert!(matches!(
        User::select().order_by("nope"),
        Err(Error::UnknownField { .. })
    ));
    assert!(User::select().order_by("id;DROP TABLE user").is_err());
}

async fn pagination_edges(db: Db) {
    // empty table
    let page = PaginatedQuery::new(Message::select(), None, 4)
        .unwrap()
        .fetch(&db)
        .await
        .unwrap();
    assert_eq!(
        (page.page, page.pages, page.count, page.items.len()),
        (1, 0, 0, 0)
    );
    assert!(!page.has_next && !page.has_previous);
    seed(&db).await;
    let q = || Message::select().order_by("id").unwrap();
    let page = PaginatedQuery::new(q(), Some("1"), 4)
        .unwrap()
        .fetch(&db)
        .await
        .unwrap();
    assert_eq!(
        (page.pages, page.count, page.items.len(), page.has_next),
        (3, 9, 4, true)
    );
    // last page is partial
    let page = PaginatedQuery::new(q(), Some("3"), 4)
        .unwrap()
        .fetch(&db)
        .await
        .unwrap();
    assert_eq!(
        (page.items.len(), page.has_next, page.has_previous),
        (1, false, true)
    );
    assert_eq!(page.items[0].content, "Dave again");
    // beyond the end: empty, or 404 with check_bounds
    let page = PaginatedQuery::new(q(), Some("4"), 4)
        .unwrap()
        .fetch(&db)
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.pages, 3);
    let e = PaginatedQuery::new(q(), Some("4"), 4)
        .unwrap()
        .check_bounds(true)
        .fetch(&db)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }));
    // bad page numbers
    for bad in ["0", "-1", "abc", "1.5"] {
        assert!(PaginatedQuery::new(q(), Some(bad), 4).is_err(), "{bad}");
    }
    // filters are kept with pagination
    let filtered = Message::select()
        .filter("user__username", Op::Eq, "alice")
        .unwrap();
    let page = PaginatedQuery::new(filtered, Some("2"), 2)
        .unwrap()
        .fetch(&db)
        .await
        .unwrap();
    assert_eq!((page.count, page.pages, page.items.len()), (3, 2, 1));
}

async fn count_exists_get(db: Db) {
    let w = seed(&db).await;
    assert_eq!(Message::select().count(&db).await.unwrap(), 9);
    assert!(User::select()
        .filter("username", Op::Eq, "carol")
        .unwrap()
        .exists(&db)
        .await
        .unwrap());
    assert!(!User::select()
        .filter("username", Op::Eq, "zed")
        .unwrap()
        .exists(&db)
        .await
        .unwrap());
    let bob = User::get(&db, w.bob.id).await.unwrap();
    assert_eq!(bob, w.bob);
    let missing = User::get(&db, 999).await.unwrap_err();
    assert!(matches!(missing, Error::NotFound { model: "user" }));
    assert_eq!(missing.status().code, 404);
    let via_util: Result<User, _> = hangar::utils::get_object_or_404(&db, 999).await;
    assert_eq!(via_util.unwrap_err().status().code, 404);
    // a pk given as text is parsed
    let carol = User::get(&db, "3").await.unwrap();
    assert_eq!(carol.username, "carol");
}

async fn insert_update_and_update_by_query(db: Db) {
    let w = seed(&db).await;
    let mut eve = user("eve");
    let pk = eve.insert(&db).await.unwrap();
    assert_eq!(pk, Value::Int(eve.id));
    assert_eq!(eve.id, w.dave.id + 1);
    eve.email = "eve@new.example".into();
    eve.admin = true;
    eve.update(&db).await.unwrap();
    let again = User::get(&db, eve.id).await.unwrap();
    assert_eq!(again.email, "eve@new.example");
    assert!(again.admin);
    // update_fields on one row (unchanged values still count as the row existing)
    let n = hangar::db::write::update_fields(
        &db,
        User::schema(),
        Value::Int(eve.id),
        vec![("admin", Value::Bool(true))],
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    let n = hangar::db::write::update_fields(
        &db,
        User::schema(),
        Value::Int(999),
        vec![("admin", Value::Bool(true))],
    )
    .await
    .unwrap();
    assert_eq!(n, 0);
    // update through a join
    let n = Message::select()
        .filter("user__username", Op::Eq, "bob")
        .unwrap()
        .update(&db, vec![("content", "redacted".into())])
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        messages_where(&db, &[("content", "redacted")]).await.len(),
        2
    );
    // updating a missing row
    let mut ghost = user("ghost");
    ghost.id = 12345;
    assert!(matches!(
        ghost.update(&db).await,
        Err(Error::NotFound { .. })
    ));
}

async fn recursive_delete_removes_dependents(db: Db) {
    let w = seed(&db).await;
    let mut sample = sample_row();
    sample.owner = Some(w.alice.id);
    sample.insert(&db).await.unwrap();
    let plan = hangar::db::delete::collect(&db, User::schema(), vec![Value::Int(w.alice.id)])
        .await
        .unwrap();
    // alice's 3 messages, 3 relationships touching her, 2 notes, herself
    assert_eq!(plan.delete_count(), 9);
    assert_eq!(plan.nulls.len(), 1);
    let deleted = w.alice.delete(&db, DeleteMode::Recursive).await.unwrap();
    assert_eq!(deleted, 9);
    assert!(!User::select()
        .filter("username", Op::Eq, "alice")
        .unwrap()
        .exists(&db)
        .await
        .unwrap());
    assert_eq!(Message::select().count(&db).await.unwrap(), 6);
    assert_eq!(Relationship::select().count(&db).await.unwrap(), 1);
    assert_eq!(Note::select().count(&db).await.unwrap(), 1);
    let s = Sample::get(&db, sample.key).await.unwrap();
    assert_eq!(s.owner, None);
    assert_eq!(User::select().count(&db).await.unwrap(), 3);
}

async fn restrict_delete_refuses_and_keeps_rows(db: Db) {
    let w = seed(&db).await;
    let e = w.bob.delete(&db, DeleteMode::Restrict).await.unwrap_err();
    assert!(matches!(e, Error::Restricted { model: "user", .. }), "{e}");
    assert_eq!(e.status().code, 409);
    assert_eq!(User::select().count(&db).await.unwrap(), 4);
    assert_eq!(Message::select().count(&db).await.unwrap(), 9);
    assert_eq!(Relationship::select().count(&db).await.unwrap(), 4);
    // a row without dependents deletes fine
    let mut lonely = user("lonely");
    lonely.insert(&db).await.unwrap();
    assert_eq!(lonely.delete(&db, DeleteMode::Restrict).await.unwrap(), 1);
}

async fn delete_by_query(db: Db) {
    seed(&db).await;
    let n = Message::select()
        .filter("user__username", Op::In, "carol")
        .unwrap()
        .delete(&db, DeleteMode::Recursive)
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(Message::select().count(&db).await.unwrap(), 7);
}

async fn unique_violation_names_field(db: Db) {
    seed(&db).await;
    let e = user("alice").insert(&db).await.unwrap_err();
    assert!(
        matches!(&e, Error::Unique { field } if field == "username"),
        "{e:?}"
    );
    assert_eq!(e.status().code, 409);
    assert_eq!(User::select().count(&db).await.unwrap(), 4);
    // an update into a duplicate as well
    let mut bob = User::select()
        .filter("username", Op::Eq, "bob")
        .unwrap()
        .one(&db)
        .await
        .unwrap();
    bob.username = "carol".into();
    let e = bob.update(&db).await.unwrap_err();
    assert!(
        matches!(&e, Error::Unique { field } if field == "username"),
        "{e:?}"
    );
}

async fn foreign_key_violation_names_field(db: Db) {
    seed(&db).await;
    let mut m = Message {
        id: 0,
        user: 999,
        content: "orphan".into(),
        pub_date: hangar::db::now(),
    };
    let e = m.insert(&db).await.unwrap_err();
    assert!(
        matches!(&e, Error::ForeignKey { field } if field == "user"),
        "{e:?}"
    );
    assert_eq!(Message::select().count(&db).await.unwrap(), 9);
    let mut r = Relationship {
        id: 0,
        from_user: 1,
        to_user: 999,
    };
    let e = r.insert(&db).await.unwrap_err();
    assert!(
        matches!(&e, Error::ForeignKey { field } if field == "to_user"),
        "{e:?}"
    );
}

async fn required_field_is_reported_before_sending(db: Db) {
    let e = hangar::db::write::insert_fields(&db, User::schema(), vec![("username", "x".into())])
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Required { field } if field == "email"),
        "{e:?}"
    );
    assert_eq!(e.status().code, 400);
    let e = hangar::db::write::insert_fields(
        &db,
        User::schema(),
        vec![
            ("username", "x".into()),
            ("email", Value::Null),
            ("password", "p".into()),
        ],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::Required { field } if field == "email"),
        "{e:?}"
    );
    assert_eq!(User::select().count(&db).await.unwrap(), 0);
}

async fn typed_errors_for_bad_input(db: Db) {
    seed(&db).await;
    let e = User::select()
        .where_pairs([("nope", "1")], &[])
        .unwrap_err();
    match &e {
        Error::UnknownField { allowed, .. } => {
            assert!(allowed.contains(&"username"));
            assert!(
                !allowed.contains(&"password"),
                "secret fields are not offered"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.status().code, 400);
    let e = User::select()
        .where_pairs([("id__lt", "abc")], &[])
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidValue { field, .. } if field == "id"),
        "{e:?}"
    );
    assert!(User::select()
        .where_pairs([("id__regex", "1")], &[])
        .is_err());
    assert!(User::select()
        .where_pairs([("password__startswith", "$2b")], &[])
        .is_err());
    assert!(Message::select()
        .where_pairs([("user__password", "x")], &[])
        .is_err());
    assert!(Message::select()
        .where_pairs([("pub_date", "not-a-date")], &[])
        .is_err());
    assert!(Message::select()
        .where_pairs([("content__user", "x")], &[])
        .is_err());
    let e = Note::select()
        .where_pairs([("status", "99999999999")], &[])
        .unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }));
}

fn sample_row() -> Sample {
    Sample {
        key: uuid::Uuid::new_v4(),
        flag: true,
        small: -42,
        big: 9_007_199_254_740_993,
        ratio: 0.1 + 0.2,
        label: "ünïcödé ✓ 'quoted' \"double\"".into(),
        maybe: None,
        at: OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap(),
        day: time::macros::date!(2024 - 02 - 29),
        doc: serde_json::json!({"a": [1, 2, {"b": null}], "c": "d"}),
        blob: vec![0, 1, 2, 255, 254],
        owner: None,
    }
}

async fn every_type_round_trips_exactly(db: Db) {
    let mut s = sample_row();
    let pk = s.insert(&db).await.unwrap();
    assert_eq!(pk, Value::Uuid(s.key));
    let back = Sample::get(&db, s.key).await.unwrap();
    assert_eq!(back, s);
    // a timestamp given in another offset comes back as the same instant, in UTC
    let mut t = sample_row();
    t.at = time::macros::datetime!(2024-05-01 14:00:00.654321 +02:00);
    t.maybe = Some(String::new());
    t.insert(&db).await.unwrap();
    let back = Sample::get(&db, t.key).await.unwrap();
    assert_eq!(back.at, t.at);
    assert_eq!(back.at.offset(), time::UtcOffset::UTC);
    assert_eq!(back.maybe.as_deref(), Some(""));
    // lookups work on every type
    let q = |k: &'static str, v: String| {
        let db = db.clone();
        async move {
            Sample::select()
                .where_pairs([(k, v)], &[])
                .unwrap()
                .count(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(q("key", t.key.to_string()).await, 1);
    assert_eq!(q("label", s.label.clone()).await, 2);
    assert_eq!(q("at__gt", "2024-01-01T00:00:00Z".into()).await, 1);
    assert_eq!(q("day", "2024-02-29".into()).await, 2);
    assert_eq!(q("small__lt", "0".into()).await, 2);
    assert_eq!(q("maybe__is_null", "true".into()).await, 1);
    // the dynamic record serializes to JSON
    let rec = Select::new(Sample::schema())
        .filter_pk(s.key)
        .first_record(&db)
        .await
        .unwrap()
        .unwrap();
    let json = rec.to_json();
    assert_eq!(json["label"], serde_json::json!(s.label));
    assert_eq!(json["at"], "2023-11-14T22:13:20.123456Z");
    assert_eq!(json["doc"]["c"], "d");
}

async fn transactions_commit_and_roll_back(db: Db) {
    let mut tx = db.begin().await.unwrap();
    let mut a = user("tx_a");
    a.insert(&mut tx).await.unwrap();
    assert_eq!(User::select().count(&mut tx).await.unwrap(), 1);
    tx.rollback().await.unwrap();
    assert_eq!(User::select().count(&db).await.unwrap(), 0);

    let mut tx = db.begin().await.unwrap();
    user("tx_b").insert(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(User::select().count(&db).await.unwrap(), 1);

    // a dropped transaction rolls back
    {
        let mut tx = db.begin().await.unwrap();
        user("tx_c").insert(&mut tx).await.unwrap();
    }
    assert_eq!(User::select().count(&db).await.unwrap(), 1);

    // a failing recursive delete inside a transaction leaves the transaction usable
    let mut tx = db.begin().await.unwrap();
    let b = User::select().one(&mut tx).await.unwrap();
    let mut m = Message {
        id: 0,
        user: b.id,
        content: "m".into(),
        pub_date: hangar::db::now(),
    };
    m.insert(&mut tx).await.unwrap();
    assert!(b.delete(&mut tx, DeleteMode::Restrict).await.is_err());
    assert_eq!(b.delete(&mut tx, DeleteMode::Recursive).await.unwrap(), 2);
    tx.commit().await.unwrap();
    assert_eq!(User::select().count(&db).await.unwrap(), 0);

    // on one connection too
    let mut conn = db.conn().await.unwrap();
    user("conn_user").insert(&mut conn).await.unwrap();
    assert_eq!(User::select().count(&mut conn).await.unwrap(), 1);
}

async fn values_are_bound_never_spliced(db: Db) {
    seed(&db).await;
    for evil in ["' OR 1=1--", "alice' --", "\0", "%", &"x".repeat(10_000)] {
        let n = User::select()
            .where_pairs([("username", evil)], &[])
            .unwrap()
            .count(&db)
            .await
            .unwrap();
        assert_eq!(n, 0, "{evil:?}");
    }
    let e = user("nul\0byte").insert(&db).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidValue { field, .. } if field == "username"),
        "{e:?}"
    );
    let n = User::select()
        .where_pairs([("username__ne", "a\0")], &[])
        .unwrap()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(n, 4);
    let mut odd = user("o'brien \"; DROP TABLE user; --");
    odd.insert(&db).await.unwrap();
    let back = User::get(&db, odd.id).await.unwrap();
    assert_eq!(back.username, odd.username);
    assert_eq!(User::select().count(&db).await.unwrap(), 5);
}

async fn insert_fields_fills_defaults(db: Db) {
    let pk = hangar::db::write::insert_fields(
        &db,
        User::schema(),
        vec![
            ("username", "min".into()),
            ("email", "m@x".into()),
            ("password", "h".into()),
        ],
    )
    .await
    .unwrap();
    let u = User::get(&db, pk).await.unwrap();
    assert!(u.active);
    assert!(!u.admin);
    assert!(
        (OffsetDateTime::now_utc() - u.join_date)
            .whole_seconds()
            .abs()
            < 60
    );
    // text values are parsed for typed columns, and bad ones name the field
    let e = hangar::db::write::insert_fields(
        &db,
        Message::schema(),
        vec![
            ("user", "1".into()),
            ("content", "c".into()),
            ("pub_date", "not-a-date".into()),
        ],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidValue { field, .. } if field == "pub_date"),
        "{e:?}"
    );
    let pk = hangar::db::write::insert_fields(
        &db,
        Message::schema(),
        vec![("user_id", "1".into()), ("content", "c".into())],
    )
    .await
    .unwrap();
    let m = Message::get(&db, pk).await.unwrap();
    assert_eq!(m.user, 1);
}

async fn concurrent_writers_lose_nothing(db: Db) {
    let w = seed(&db).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let db = db.clone();
        let user = w.bob.id;
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let mut m = Message {
                    id: 0,
                    user,
                    content: format!("w{t}-{i}"),
                    pub_date: hangar::db::now(),
                };
                m.insert(&db).await.expect("concurrent insert");
            }
        }));
    }
    for t in 0..4 {
        let db = db.clone();
        let user = w.carol.id;
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.expect("begin");
            for i in 0..10 {
                let mut m = Message {
                    id: 0,
                    user,
                    content: format!("tx{t}-{i}"),
                    pub_date: hangar::db::now(),
                };
                m.insert(&mut tx).await.expect("insert in transaction");
            }
            tx.commit().await.expect("commit");
        }));
    }
    for t in tasks {
        t.await.expect("writer task");
    }
    assert_eq!(Message::select().count(&db).await.unwrap(), 9 + 200 + 40);
    let n = Message::select()
        .filter("content", Op::StartsWith, "tx")
        .unwrap()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(n, 40);
}

async fn text_past_max_length_is_refused(db: Db) {
    let e = user(&"x".repeat(81)).insert(&db).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidValue { field, .. } if field == "username"),
        "{e:?}"
    );
    assert_eq!(e.status().code, 400);
    user(&"x".repeat(80)).insert(&db).await.unwrap();
    let e = hangar::db::write::update_fields(
        &db,
        User::schema(),
        Value::Int(1),
        vec![("username", "y".repeat(90).into())],
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::InvalidValue { .. }), "{e:?}");
}

async fn atomic_scopes_nest_on_one_connection(db: Db) {
    let w = seed(&db).await;
    let mut conn = db.conn().await.unwrap();
    // a failing recursive delete (restrict) inside a connection leaves nothing behind
    assert!(w.bob.delete(&mut conn, DeleteMode::Restrict).await.is_err());
    // carol, her 2 messages and the 2 follows she is part of
    assert_eq!(
        w.carol
            .delete(&mut conn, DeleteMode::Recursive)
            .await
            .unwrap(),
        5
    );
    assert_eq!(User::select().count(&mut conn).await.unwrap(), 3);
    assert_eq!(User::select().count(&db).await.unwrap(), 3, "committed");
}

async fn choices_are_enforced(db: Db) {
    let w = seed(&db).await;
    let mut n = Note {
        id: 0,
        user: w.alice.id,
        message: "m".into(),
        status: Some(7),
        created_date: hangar::db::now(),
    };
    let e = n.insert(&db).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidValue { field, expected } if field == "status" && expected.contains("1, 2")),
        "{e:?}"
    );
    n.status = None;
    n.insert(&db).await.unwrap();
}

async fn regular_expressions(db: Db) {
    seed(&db).await;
    let r = messages_where(&db, &[("content__regexp", "^[A-Z]")]).await;
    assert_eq!(
        contents(&r),
        [
            "Bob says hi",
            "CAROL SHOUTS",
            "Carol here",
            "Dave again",
            "Hello from Alice"
        ]
    );
    let r = messages_where(&db, &[("content__iregexp", "^carol")]).await;
    assert_eq!(contents(&r), ["CAROL SHOUTS", "Carol here"]);
    let r = messages_where(&db, &[("-content__regexp", "[0-9]")]).await;
    assert_eq!(r.len(), 8);
    // a bad pattern is refused before it reaches the database
    let e = Message::select()
        .where_pairs([("content__regexp", "(unclosed")], &[])
        .unwrap_err();
    assert_eq!(e.status().code, 400, "{e:?}");
}

use super::*;
use crate::error::JidError;

fn p(s: &str) -> Jid {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn every_protocol_form_parses_and_formats_back() {
    let cases: &[(&str, Jid)] = &[
        ("15551234567@s.whatsapp.net", Jid::pn("15551234567")),
        (
            "15551234567:12@s.whatsapp.net",
            Jid::pn_device("15551234567", 12),
        ),
        (
            "15551234567.2:12@s.whatsapp.net",
            Jid {
                agent: 2,
                ..Jid::pn_device("15551234567", 12)
            },
        ),
        ("123456789012345@lid", Jid::lid("123456789012345")),
        (
            "123456789012345:33@lid",
            Jid::lid_device("123456789012345", 33),
        ),
        (
            "100000000000001.1:75@lid",
            Jid::lid_device("100000000000001.1", 75),
        ),
        ("120363025246125486@g.us", Jid::group("120363025246125486")),
        (
            "15551234567-1609459200@g.us",
            Jid::group("15551234567-1609459200"),
        ),
        ("status@broadcast", Jid::status_broadcast()),
        (
            "1234567890@broadcast",
            Jid::new("1234567890", BROADCAST_SERVER),
        ),
        (
            "120363144038483540@newsletter",
            Jid::newsletter("120363144038483540"),
        ),
        ("867051314767696@bot", Jid::bot("867051314767696")),
        ("15551234567:99@hosted", Jid::hosted("15551234567", 99)),
        ("15551234567@hosted", Jid::hosted("15551234567", 0)),
        (
            "123456789012345:99@hosted.lid",
            Jid::hosted_lid("123456789012345", 99),
        ),
        ("100012345678:3@msgr", Jid::messenger("100012345678", 3)),
        ("7-5551234:2@interop", Jid::interop("5551234", 2, 7)),
        ("5551234@interop", Jid::interop("5551234", 0, 0)),
        ("@s.whatsapp.net", Jid::server_jid(SERVER_JID)),
        ("@g.us", Jid::server_jid(GROUP_SERVER)),
        ("abc@example.org", Jid::new("abc", "example.org".to_owned())),
    ];
    for (s, expected) in cases {
        let jid = p(s);
        assert_eq!(&jid, expected, "{s}");
        assert_eq!(jid.to_string(), *s, "{s}");
        assert!(jid.display_eq(s));
        assert_eq!(jid.as_jid_ref().to_string(), *s);
        assert_eq!(jid.as_jid_ref().to_owned(), jid);
    }
}

#[test]
fn non_canonical_inputs_parse_to_the_same_jid() {
    assert_eq!(p("s.whatsapp.net"), Jid::server_jid(SERVER_JID));
    assert_eq!(p("15551234567:0@s.whatsapp.net"), Jid::pn("15551234567"));
    assert_eq!(
        p("15551234567:012@s.whatsapp.net"),
        Jid::pn_device("15551234567", 12)
    );
    assert!(
        !parse_parts("15551234567:0@s.whatsapp.net")
            .unwrap()
            .canonical
    );
    assert!(
        parse_parts("15551234567:1@s.whatsapp.net")
            .unwrap()
            .canonical
    );
    // A dot that is not followed by a number stays in the user.
    assert_eq!(p("john.doe@example.org").user, "john.doe");
}

#[test]
fn bad_strings_are_typed_errors() {
    assert_eq!("".parse::<Jid>(), Err(JidError::Empty));
    assert!(matches!("hello".parse::<Jid>(), Err(JidError::NoServer(_))));
    assert!(matches!(
        "a@".parse::<Jid>(),
        Err(JidError::InvalidServer(_))
    ));
    assert!(matches!(
        "a@b@c".parse::<Jid>(),
        Err(JidError::InvalidServer(_))
    ));
    assert!(matches!(
        "a:x@s.whatsapp.net".parse::<Jid>(),
        Err(JidError::InvalidDevice(_))
    ));
    assert!(matches!(
        "a:70000@s.whatsapp.net".parse::<Jid>(),
        Err(JidError::InvalidDevice(_))
    ));
    assert!(matches!(
        "a:@s.whatsapp.net".parse::<Jid>(),
        Err(JidError::InvalidDevice(_))
    ));
    assert!(matches!(
        ":3@s.whatsapp.net".parse::<Jid>(),
        Err(JidError::DeviceOnServerJid(_))
    ));
}

#[test]
fn known_servers_do_not_allocate() {
    let jid = p("1@lid");
    assert!(matches!(jid.server, Cow::Borrowed(_)));
    assert!(matches!(
        Jid::new("1", "g.us".to_owned()).server,
        Cow::Borrowed(_)
    ));
    assert!(matches!(p("1@other").server, Cow::Owned(_)));
}

#[test]
fn helpers() {
    let dev = Jid::pn_device("15551234567", 3);
    assert!(dev.is_pn() && dev.is_ad() && !dev.is_lid() && !dev.is_group());
    assert_eq!(dev.to_non_ad(), Jid::pn("15551234567"));
    assert_eq!(dev.clone().into_non_ad(), Jid::pn("15551234567"));
    assert_eq!(Jid::pn("1").with_device(4), Jid::pn_device("1", 4));
    assert_eq!(Jid::new("123:4", SERVER_JID).user_base(), "123");
    assert!(Jid::group("1").is_group());
    assert!(Jid::status_broadcast().is_status_broadcast());
    assert!(Jid::new("1", BROADCAST_SERVER).is_broadcast_list());
    assert!(Jid::pn("0").is_psa() && Jid::new("0", LEGACY_USER_SERVER).is_psa());
    assert!(
        Jid::pn("13135550002").is_bot()
            && Jid::bot("1").is_bot()
            && !Jid::pn("1313555000").is_bot()
    );
    assert!(Jid::newsletter("1").is_newsletter());
    assert!(Jid::hosted("1", 0).is_hosted() && Jid::pn_device("1", 99).is_hosted());
    assert!(Jid::interop("1", 0, 5).is_interop() && Jid::messenger("1", 2).is_messenger());
    assert!(Jid::lid("1").is_lid() && Jid::lid("1").is_same_user_as(&Jid::pn("1")));
    assert!(Jid::server_jid(SERVER_JID).is_empty());
    assert_eq!(dev.domain_type(), Some(0));
    assert_eq!(Jid::hosted_lid("1", 1).domain_type(), Some(129));
    assert_eq!(Jid::group("1").domain_type(), None);
    assert_eq!(
        dev.device_key(),
        DeviceKey {
            user: "15551234567",
            server: SERVER_JID,
            device: 3
        }
    );
}

#[test]
fn protocol_address_strings() {
    assert_eq!(
        p("5511999887766@s.whatsapp.net").to_protocol_address_string(),
        "5511999887766@c.us.0"
    );
    assert_eq!(
        p("5511999887766:33@s.whatsapp.net").to_protocol_address_string(),
        "5511999887766:33@c.us.0"
    );
    assert_eq!(
        p("123456789@lid").to_protocol_address_string(),
        "123456789@lid.0"
    );
    assert_eq!(
        p("123456789:33@lid").to_protocol_address_string(),
        "123456789:33@lid.0"
    );
    assert_eq!(
        p("5511999887766:33@s.whatsapp.net").to_signal_address_string(),
        "5511999887766:33@c.us"
    );
    assert_eq!(
        p("123456789:33@lid").to_signal_address_string(),
        "123456789:33@lid"
    );
}

#[test]
fn wire_encodability() {
    assert!(Jid::pn_device("1", 255).is_wire_encodable());
    assert!(!Jid::pn_device("1", 256).is_wire_encodable());
    assert!(Jid::messenger("1", 300).is_wire_encodable());
    assert!(
        !Jid {
            device: 1,
            ..Jid::group("1")
        }
        .is_wire_encodable()
    );
    assert!(
        !Jid {
            agent: 1,
            ..Jid::bot("1")
        }
        .is_wire_encodable()
    );
    assert!(
        !Jid {
            integrator: 1,
            ..Jid::pn("1")
        }
        .is_wire_encodable()
    );
    assert!(Jid::interop("1", 0, 9).is_wire_encodable());
}

//! Who may do what: Discord's permission algorithm, extended with scopes.
//!
//! 1. **Guild level.** The owner has everything. Otherwise start from @everyone's
//!    permissions (the role whose id is the guild's), add every role the member has; if that
//!    includes ADMINISTRATOR, the member has everything.
//! 2. **Channel level.** ADMINISTRATOR and owners skip overwrites. Otherwise apply each
//!    scope's overwrites, outermost first (category, then channel). Within one scope:
//!    @everyone's overwrite, then all the member's role overwrites aggregated (deny bits
//!    removed, then allow bits added), then the member's own overwrite.
//! 3. **Threads** take their parent's permissions; sending in them needs
//!    SEND_MESSAGES_IN_THREADS, which the result reports as SEND_MESSAGES.
//! 4. **Timeouts.** A timed-out member keeps only VIEW_CHANNEL and READ_MESSAGE_HISTORY.
//! 5. **Implicit denials.** Without VIEW_CHANNEL, nothing. Without SEND_MESSAGES, no
//!    MENTION_EVERYONE, SEND_TTS_MESSAGES, ATTACH_FILES or EMBED_LINKS.

use crate::Snowflake;
use crate::permissions::Permissions;

crate::coded::coded_enum! {
    /// Whether an overwrite targets a role or a member (Discord's `type`).
    pub enum OverwriteKind / UnknownOverwriteKind ("overwrite type") {
        Role = 0,
        Member = 1,
    }
}

/// A channel (or category) permission overwrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overwrite {
    /// A role id (the guild id for @everyone) or a user id.
    pub id: Snowflake,
    pub kind: OverwriteKind,
    pub allow: Permissions,
    pub deny: Permissions,
}

/// A guild role as the algorithm needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleFacts {
    pub id: Snowflake,
    pub permissions: Permissions,
}

/// One member of one guild, as the algorithm needs them.
#[derive(Clone, Copy, Debug)]
pub struct MemberFacts<'a> {
    pub guild_id: Snowflake,
    pub user_id: Snowflake,
    /// The member's roles (@everyone is implied and need not be listed).
    pub role_ids: &'a [Snowflake],
    pub is_owner: bool,
    /// Whether a timeout (`communication_disabled_until`) is in force now.
    pub timed_out: bool,
}

/// Where in the guild a permission question is asked.
#[derive(Clone, Copy, Debug)]
pub struct ChannelScope<'a> {
    /// Overwrite scopes, outermost first: the category's overwrites (if the channel is in
    /// one), then the channel's own. For a thread, its parent channel's scopes.
    pub scopes: &'a [&'a [Overwrite]],
    pub is_thread: bool,
}

/// What remains of a timed-out member's permissions.
const TIMEOUT_KEEPS: Permissions =
    Permissions::from_bits_truncate(Permissions::VIEW_CHANNEL.bits() | Permissions::READ_MESSAGE_HISTORY.bits());

/// What goes with SEND_MESSAGES.
const NEEDS_SEND: Permissions = Permissions::from_bits_truncate(
    Permissions::MENTION_EVERYONE.bits()
        | Permissions::SEND_TTS_MESSAGES.bits()
        | Permissions::ATTACH_FILES.bits()
        | Permissions::EMBED_LINKS.bits(),
);

/// @everyone plus the member's roles, before timeouts. `None` means everything (owner or
/// ADMINISTRATOR), which no overwrite or timeout can reduce.
fn base(member: &MemberFacts, roles: &[RoleFacts]) -> Option<Permissions> {
    if member.is_owner {
        return None;
    }
    let mut permissions = Permissions::NONE;
    for role in roles {
        if role.id == member.guild_id || member.role_ids.contains(&role.id) {
            permissions |= role.permissions;
        }
    }
    (!permissions.contains(Permissions::ADMINISTRATOR)).then_some(permissions)
}

/// The member's permissions in the guild as a whole (for guild-wide actions: kick, ban,
/// manage roles...).
pub fn guild_permissions(member: &MemberFacts, roles: &[RoleFacts]) -> Permissions {
    match base(member, roles) {
        None => Permissions::ALL,
        Some(p) if member.timed_out => p & TIMEOUT_KEEPS,
        Some(p) => p,
    }
}

/// The member's permissions in one channel or thread.
pub fn channel_permissions(member: &MemberFacts, roles: &[RoleFacts], channel: &ChannelScope) -> Permissions {
    let Some(mut permissions) = base(member, roles) else {
        return Permissions::ALL;
    };
    for overwrites in channel.scopes {
        permissions = apply_scope(permissions, member, overwrites);
    }
    if channel.is_thread {
        // In a thread, "may send" means SEND_MESSAGES_IN_THREADS.
        if permissions.contains(Permissions::SEND_MESSAGES_IN_THREADS) {
            permissions |= Permissions::SEND_MESSAGES;
        } else {
            permissions &= !Permissions::SEND_MESSAGES;
        }
    }
    if member.timed_out {
        permissions &= TIMEOUT_KEEPS;
    }
    if !permissions.contains(Permissions::VIEW_CHANNEL) {
        return Permissions::NONE;
    }
    if !permissions.contains(Permissions::SEND_MESSAGES) {
        permissions &= !NEEDS_SEND;
    }
    permissions
}

/// One scope's overwrites: @everyone, then the member's roles together, then the member.
fn apply_scope(permissions: Permissions, member: &MemberFacts, overwrites: &[Overwrite]) -> Permissions {
    let find = |kind, id| overwrites.iter().find(|o| o.kind == kind && o.id == id);
    let mut permissions = match find(OverwriteKind::Role, member.guild_id) {
        Some(everyone) => permissions.overwrite(everyone.allow, everyone.deny),
        None => permissions,
    };
    let (mut allow, mut deny) = (Permissions::NONE, Permissions::NONE);
    for overwrite in overwrites {
        if overwrite.kind == OverwriteKind::Role
            && overwrite.id != member.guild_id
            && member.role_ids.contains(&overwrite.id)
        {
            allow |= overwrite.allow;
            deny |= overwrite.deny;
        }
    }
    permissions = permissions.overwrite(allow, deny);
    match find(OverwriteKind::Member, member.user_id) {
        Some(own) => permissions.overwrite(own.allow, own.deny),
        None => permissions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::subsequence;

    const GUILD: Snowflake = Snowflake::new(1);
    const ME: Snowflake = Snowflake::new(100);
    const SOMEONE_ELSE: Snowflake = Snowflake::new(101);
    const ROLE_IDS: [u64; 5] = [2, 3, 4, 5, 6];

    fn member(role_ids: &[Snowflake]) -> MemberFacts<'_> {
        MemberFacts { guild_id: GUILD, user_id: ME, role_ids, is_owner: false, timed_out: false }
    }

    // ---- Examples: each rule once, readably. ----

    #[test]
    fn the_owner_has_everything_even_where_denied() {
        let roles = [RoleFacts { id: GUILD, permissions: Permissions::NONE }];
        let deny_me =
            [Overwrite { id: ME, kind: OverwriteKind::Member, allow: Permissions::NONE, deny: Permissions::ALL }];
        let owner = MemberFacts { is_owner: true, timed_out: true, ..member(&[]) };
        let scope = ChannelScope { scopes: &[&deny_me], is_thread: false };
        assert_eq!(channel_permissions(&owner, &roles, &scope), Permissions::ALL);
    }

    #[test]
    fn a_role_overwrite_beats_everyone_and_a_member_overwrite_beats_roles() {
        let mods = Snowflake::new(2);
        let roles = [
            RoleFacts { id: GUILD, permissions: Permissions::DEFAULT_EVERYONE },
            RoleFacts { id: mods, permissions: Permissions::NONE },
        ];
        let overwrites = [
            Overwrite {
                id: GUILD,
                kind: OverwriteKind::Role,
                allow: Permissions::NONE,
                deny: Permissions::SEND_MESSAGES,
            },
            Overwrite {
                id: mods,
                kind: OverwriteKind::Role,
                allow: Permissions::SEND_MESSAGES,
                deny: Permissions::NONE,
            },
            Overwrite {
                id: ME,
                kind: OverwriteKind::Member,
                allow: Permissions::NONE,
                deny: Permissions::ADD_REACTIONS,
            },
        ];
        let mut conflicting = overwrites;
        conflicting[2].deny = Permissions::SEND_MESSAGES;
        let scope = ChannelScope { scopes: &[&overwrites], is_thread: false };
        let plain = channel_permissions(&member(&[]), &roles, &scope);
        assert!(!plain.contains(Permissions::SEND_MESSAGES));
        assert!(!plain.contains(Permissions::ATTACH_FILES), "no SEND_MESSAGES means no attachments");
        let moderator = channel_permissions(&member(&[mods]), &roles, &scope);
        assert!(moderator.contains(Permissions::SEND_MESSAGES | Permissions::ATTACH_FILES));
        assert!(!moderator.contains(Permissions::ADD_REACTIONS));
        let silenced = ChannelScope { scopes: &[&conflicting], is_thread: false };
        assert!(
            !channel_permissions(&member(&[mods]), &roles, &silenced).contains(Permissions::SEND_MESSAGES),
            "the member's own deny beats their role's allow in the same scope"
        );
    }

    #[test]
    fn a_channel_overwrite_applies_after_its_categorys() {
        let roles = [RoleFacts { id: GUILD, permissions: Permissions::DEFAULT_EVERYONE }];
        let category = [Overwrite {
            id: GUILD,
            kind: OverwriteKind::Role,
            allow: Permissions::NONE,
            deny: Permissions::VIEW_CHANNEL,
        }];
        let channel = [Overwrite {
            id: ME,
            kind: OverwriteKind::Member,
            allow: Permissions::VIEW_CHANNEL,
            deny: Permissions::NONE,
        }];
        let hidden = ChannelScope { scopes: &[&category, &[]], is_thread: false };
        assert_eq!(
            channel_permissions(&member(&[]), &roles, &hidden),
            Permissions::NONE,
            "the category hides its channels"
        );
        let reopened = ChannelScope { scopes: &[&category, &channel], is_thread: false };
        assert!(channel_permissions(&member(&[]), &roles, &reopened).contains(Permissions::VIEW_CHANNEL));
    }

    #[test]
    fn sending_in_a_thread_needs_send_messages_in_threads() {
        let everyone = Permissions::DEFAULT_EVERYONE.missing_from(Permissions::SEND_MESSAGES_IN_THREADS);
        let roles = [RoleFacts { id: GUILD, permissions: everyone }];
        let thread = ChannelScope { scopes: &[], is_thread: true };
        let channel = ChannelScope { scopes: &[], is_thread: false };
        assert!(channel_permissions(&member(&[]), &roles, &channel).contains(Permissions::SEND_MESSAGES));
        assert!(!channel_permissions(&member(&[]), &roles, &thread).contains(Permissions::SEND_MESSAGES));
    }

    #[test]
    fn a_timed_out_member_may_only_read() {
        let roles = [RoleFacts { id: GUILD, permissions: Permissions::DEFAULT_EVERYONE | Permissions::KICK_MEMBERS }];
        let muted = MemberFacts { timed_out: true, ..member(&[]) };
        let scope = ChannelScope { scopes: &[], is_thread: false };
        assert_eq!(
            channel_permissions(&muted, &roles, &scope),
            Permissions::VIEW_CHANNEL | Permissions::READ_MESSAGE_HISTORY
        );
        assert_eq!(guild_permissions(&muted, &roles), Permissions::VIEW_CHANNEL | Permissions::READ_MESSAGE_HISTORY);
    }

    // ---- Properties over arbitrary guilds, members and overwrites. ----

    fn any_permissions() -> impl Strategy<Value = Permissions> {
        any::<u64>().prop_map(Permissions::from_bits_truncate)
    }

    fn any_roles() -> impl Strategy<Value = Vec<RoleFacts>> {
        // @everyone never has ADMINISTRATOR here, so the interesting paths are reachable;
        // the admin property adds it explicitly.
        (any_permissions(), proptest::collection::vec(any_permissions(), ROLE_IDS.len())).prop_map(
            |(everyone, others)| {
                let mut roles =
                    vec![RoleFacts { id: GUILD, permissions: everyone.missing_from(Permissions::ADMINISTRATOR) }];
                roles.extend(ROLE_IDS.iter().zip(others).map(|(id, permissions)| RoleFacts {
                    id: Snowflake::new(*id),
                    permissions: permissions.missing_from(Permissions::ADMINISTRATOR),
                }));
                roles
            },
        )
    }

    /// A scope's overwrites: at most one per target, as storage guarantees.
    fn any_scope() -> impl Strategy<Value = Vec<Overwrite>> {
        let targets: Vec<(Snowflake, OverwriteKind)> = std::iter::once((GUILD, OverwriteKind::Role))
            .chain(ROLE_IDS.iter().map(|id| (Snowflake::new(*id), OverwriteKind::Role)))
            .chain([(ME, OverwriteKind::Member), (SOMEONE_ELSE, OverwriteKind::Member)])
            .collect();
        let n = targets.len();
        (subsequence(targets, 0..=n), proptest::collection::vec((any_permissions(), any_permissions()), n)).prop_map(
            |(targets, bits)| {
                targets
                    .into_iter()
                    .zip(bits)
                    .map(|((id, kind), (allow, deny))| Overwrite { id, kind, allow, deny })
                    .collect()
            },
        )
    }

    fn any_member_roles() -> impl Strategy<Value = Vec<Snowflake>> {
        subsequence(ROLE_IDS.iter().map(|id| Snowflake::new(*id)).collect::<Vec<_>>(), 0..=ROLE_IDS.len())
    }

    prop_compose! {
        fn any_case()(
            roles in any_roles(),
            member_roles in any_member_roles(),
            scopes in proptest::collection::vec(any_scope(), 0..=2),
            is_thread in any::<bool>(),
            timed_out in any::<bool>(),
        ) -> (Vec<RoleFacts>, Vec<Snowflake>, Vec<Vec<Overwrite>>, bool, bool) {
            (roles, member_roles, scopes, is_thread, timed_out)
        }
    }

    fn resolve(
        roles: &[RoleFacts],
        member_roles: &[Snowflake],
        scopes: &[Vec<Overwrite>],
        is_thread: bool,
        timed_out: bool,
    ) -> Permissions {
        let layers: Vec<&[Overwrite]> = scopes.iter().map(Vec::as_slice).collect();
        let facts = MemberFacts { timed_out, ..member(member_roles) };
        channel_permissions(&facts, roles, &ChannelScope { scopes: &layers, is_thread })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn owners_and_administrators_get_everything((roles, member_roles, scopes, is_thread, timed_out) in any_case(), admin_role in 0..ROLE_IDS.len()) {
            let layers: Vec<&[Overwrite]> = scopes.iter().map(Vec::as_slice).collect();
            let scope = ChannelScope { scopes: &layers, is_thread };
            let owner = MemberFacts { is_owner: true, timed_out, ..member(&member_roles) };
            prop_assert_eq!(channel_permissions(&owner, &roles, &scope), Permissions::ALL);
            prop_assert_eq!(guild_permissions(&owner, &roles), Permissions::ALL);

            let mut roles = roles.clone();
            roles[admin_role + 1].permissions |= Permissions::ADMINISTRATOR;
            let mut with_admin = member_roles.clone();
            with_admin.push(roles[admin_role + 1].id);
            let admin = MemberFacts { timed_out, ..member(&with_admin) };
            prop_assert_eq!(channel_permissions(&admin, &roles, &scope), Permissions::ALL);
        }

        #[test]
        fn the_order_overwrites_are_stored_in_never_matters(
            (roles, member_roles, scopes, is_thread, timed_out) in any_case(),
            seed in any::<u64>(),
        ) {
            let expected = resolve(&roles, &member_roles, &scopes, is_thread, timed_out);
            let shuffled: Vec<Vec<Overwrite>> = scopes.iter().map(|s| {
                let mut s = s.clone();
                // A deterministic shuffle driven by the seed (rotate and reverse).
                let len = s.len().max(1);
                s.rotate_left((seed as usize) % len);
                if seed & 1 == 1 { s.reverse(); }
                s
            }).collect();
            let mut roles_reordered = roles.clone();
            roles_reordered.reverse();
            let mut member_roles_reordered = member_roles.clone();
            member_roles_reordered.reverse();
            prop_assert_eq!(resolve(&roles_reordered, &member_roles_reordered, &shuffled, is_thread, timed_out), expected);
        }

        #[test]
        fn an_allow_overwrite_for_a_role_never_removes_a_permission(
            (roles, mut member_roles, mut scopes, is_thread, timed_out) in any_case(),
            extra in any_permissions(),
            layer in 0usize..2,
        ) {
            // The overwrite goes to a role the member has, in a scope that exists.
            if member_roles.is_empty() { member_roles.push(Snowflake::new(ROLE_IDS[0])); }
            if scopes.is_empty() { scopes.push(Vec::new()); }
            let layer = layer % scopes.len();
            let before = resolve(&roles, &member_roles, &scopes, is_thread, timed_out);
            let mut more = scopes.clone();
            let role = member_roles[0];
            match more[layer].iter_mut().find(|o| o.kind == OverwriteKind::Role && o.id == role) {
                Some(o) => o.allow |= extra,
                None => more[layer].push(Overwrite { id: role, kind: OverwriteKind::Role, allow: extra, deny: Permissions::NONE }),
            }
            let after = resolve(&roles, &member_roles, &more, is_thread, timed_out);
            prop_assert!(after.contains(before), "lost {:?}", before.missing_from(after));
        }

        #[test]
        fn denying_view_channel_leaves_nothing((roles, member_roles, mut scopes, is_thread, timed_out) in any_case()) {
            scopes.push(vec![Overwrite { id: ME, kind: OverwriteKind::Member, allow: Permissions::NONE, deny: Permissions::VIEW_CHANNEL }]);
            prop_assert_eq!(resolve(&roles, &member_roles, &scopes, is_thread, timed_out), Permissions::NONE);
        }

        #[test]
        fn overwrites_for_roles_the_member_lacks_or_other_members_change_nothing(
            (roles, member_roles, scopes, is_thread, timed_out) in any_case(),
        ) {
            let expected = resolve(&roles, &member_roles, &scopes, is_thread, timed_out);
            let relevant: Vec<Vec<Overwrite>> = scopes.iter().map(|s| s.iter().copied().filter(|o| match o.kind {
                OverwriteKind::Member => o.id == ME,
                OverwriteKind::Role => o.id == GUILD || member_roles.contains(&o.id),
            }).collect()).collect();
            prop_assert_eq!(resolve(&roles, &member_roles, &relevant, is_thread, timed_out), expected);
        }

        #[test]
        fn the_implicit_rules_always_hold((roles, member_roles, scopes, is_thread, timed_out) in any_case()) {
            let result = resolve(&roles, &member_roles, &scopes, is_thread, timed_out);
            prop_assert!(Permissions::ALL.contains(result), "only known bits");
            if !result.is_empty() {
                prop_assert!(result.contains(Permissions::VIEW_CHANNEL), "anything at all needs VIEW_CHANNEL");
            }
            if !result.contains(Permissions::SEND_MESSAGES) {
                prop_assert!(!result.intersects(NEEDS_SEND), "{:?} without SEND_MESSAGES", result & NEEDS_SEND);
            }
            if timed_out {
                prop_assert!(TIMEOUT_KEEPS.contains(result), "a timed-out member kept {:?}", result);
            }
        }

        #[test]
        fn a_thread_allows_sending_exactly_when_its_parent_allows_sending_in_threads(
            (roles, member_roles, scopes, _is_thread, _timed_out) in any_case(),
        ) {
            let parent = resolve(&roles, &member_roles, &scopes, false, false);
            let thread = resolve(&roles, &member_roles, &scopes, true, false);
            prop_assert_eq!(thread.contains(Permissions::SEND_MESSAGES), parent.contains(Permissions::SEND_MESSAGES_IN_THREADS));
            prop_assert_eq!(thread.contains(Permissions::VIEW_CHANNEL), parent.contains(Permissions::VIEW_CHANNEL));
        }

        #[test]
        fn the_members_own_overwrite_in_the_innermost_scope_has_the_last_word(
            (roles, member_roles, mut scopes, _is_thread, _timed_out) in any_case(),
            allow in any_permissions(),
            deny in any_permissions(),
        ) {
            // In the same scope as any role overwrites, so the order within a scope matters.
            let allow = allow | Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES;
            let deny = deny.missing_from(allow);
            if scopes.is_empty() { scopes.push(Vec::new()); }
            let innermost = scopes.last_mut().unwrap();
            innermost.retain(|o| !(o.kind == OverwriteKind::Member && o.id == ME));
            innermost.push(Overwrite { id: ME, kind: OverwriteKind::Member, allow, deny });
            let result = resolve(&roles, &member_roles, &scopes, false, false);
            prop_assert!(result.contains(allow), "missing {:?}", allow.missing_from(result));
            prop_assert!(!result.intersects(deny), "kept {:?}", result & deny);
        }
    }
}

//! The kinds of channel and of message Parley has, by Discord's numeric `type`, parsed once
//! where they are read (the store, an event) so nothing past that edge compares integers.

use crate::coded::coded_enum;

coded_enum! {
    /// Discord's channel types that Parley has.
    pub enum ChannelKind / UnknownChannelKind ("channel type") {
        Text = 0,
        Voice = 2,
        Category = 4,
        PublicThread = 11,
    }
}

impl ChannelKind {
    /// Threads take their permissions from their parent channel.
    pub const fn is_thread(self) -> bool {
        matches!(self, Self::PublicThread)
    }
}

coded_enum! {
    /// Discord's message types that Parley sends.
    pub enum MessageType / UnknownMessageType ("message type") {
        /// An ordinary message.
        Default = 0,
        /// A reply to another message (`message_reference` set).
        Reply = 19,
        /// An application's answer to a slash command.
        ChatInputCommand = 20,
        /// An application's answer to a user or message command.
        ContextMenuCommand = 23,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_code_and_others_are_refused() {
        for kind in [ChannelKind::Text, ChannelKind::Voice, ChannelKind::Category, ChannelKind::PublicThread] {
            assert_eq!(ChannelKind::try_from(kind.code()), Ok(kind));
            assert_eq!(serde_json::from_str::<ChannelKind>(&serde_json::to_string(&kind).unwrap()).unwrap(), kind);
        }
        assert_eq!(ChannelKind::try_from(1), Err(UnknownChannelKind(1)));
        assert_eq!(UnknownChannelKind(1).to_string(), "channel type 1 is not one of [0, 2, 4, 11]");
        assert!(serde_json::from_str::<ChannelKind>("5").is_err());
        assert_eq!(serde_json::to_string(&MessageType::Reply).unwrap(), "19");
        assert_eq!(MessageType::try_from(7), Err(UnknownMessageType(7)));
    }
}

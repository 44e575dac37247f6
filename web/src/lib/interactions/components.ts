// Message components: which of a message's buttons and menus can be used, how a button looks
// by its style, what a select menu takes, and the request that uses one (type 3) on the
// application's message.

import { placeFields, type InteractionRequest, type Place } from "./request";
import { ButtonStyle, ComponentType, InteractionType, type Component } from "./types";

/** The message a component is on: whose it is, where. */
export interface ComponentMessage {
  id: string;
  channel_id: string;
  author: { id: string };
  application_id?: string | null;
}

/** A button's look, by its style (class names in app.css). */
export function buttonTone(style: number | undefined): "primary" | "secondary" | "success" | "danger" | "link" {
  switch (style) {
    case ButtonStyle.Primary:
      return "primary";
    case ButtonStyle.Success:
      return "success";
    case ButtonStyle.Danger:
      return "danger";
    case ButtonStyle.Link:
      return "link";
    default:
      return "secondary";
  }
}

export const isLinkButton = (c: Component) => c.type === ComponentType.Button && c.style === ButtonStyle.Link;

export const isSelectMenu = (c: Component) =>
  c.type === ComponentType.StringSelect ||
  c.type === ComponentType.UserSelect ||
  c.type === ComponentType.RoleSelect ||
  c.type === ComponentType.MentionableSelect ||
  c.type === ComponentType.ChannelSelect;

/** How many values a select menu takes (Discord's defaults: exactly one). */
export function selectLimits(menu: Component): { min: number; max: number } {
  return { min: menu.min_values ?? 1, max: menu.max_values ?? 1 };
}

/** What is wrong with a choice of values for a menu, in words; null when it can be sent. */
export function selectionProblem(menu: Component, values: string[]): string | null {
  const { min, max } = selectLimits(menu);
  if (values.length < min) return min === 1 ? "Choose one." : `Choose at least ${min}.`;
  if (values.length > max) return `Choose at most ${max}.`;
  if (menu.type === ComponentType.StringSelect && values.some((v) => !menu.options?.some((o) => o.value === v))) return "Choose from the list.";
  return null;
}

/** Uses a button (no values) or a select menu (its chosen values) on `message`. */
export function componentRequest(message: ComponentMessage, component: Component, place: Place, nonce: string, values?: string[]): InteractionRequest {
  const data: Record<string, unknown> = { custom_id: component.custom_id, component_type: component.type };
  if (isSelectMenu(component)) data.values = values ?? [];
  return {
    type: InteractionType.Component,
    // A bot's own message has no application_id: the bot's user id is its application's.
    application_id: message.application_id ?? message.author.id,
    ...placeFields(place),
    message_id: message.id,
    nonce,
    data,
  };
}

// Moving channels and categories in the channel list, by dragging or by "Move up" and "Move
// down": the new order of the group a channel lands in, as the positions PATCH
// /guilds/{id}/channels takes. Every sibling is numbered 0, 1, 2… and only those whose
// position or category changes are sent, so equal positions left by older clients sort out.

import type { Channel } from "./guilds";

export interface PositionChange {
  id: string;
  position: number;
  parent_id?: string | null;
}

const byPosition = (a: Channel, b: Channel) => a.position - b.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

/** The channels moved together with `channel`: categories among categories, other channels
 * among those of the category `parent`. Threads are never in the list. */
function siblings(channels: Channel[], channel: Channel, parent: string | null): Channel[] {
  if (channel.type === 4) return channels.filter((c) => c.type === 4).sort(byPosition);
  return channels.filter((c) => c.type !== 4 && (c.type === 0 || c.type === 2) && (c.parent_id ?? null) === parent).sort(byPosition);
}

/** The changes that put `moving` at `index` among the channels of `parent` (its own category
 * unless given). */
export function placeAt(channels: Channel[], movingId: string, index: number, parent?: string | null): PositionChange[] {
  const moving = channels.find((c) => c.id === movingId);
  if (!moving) return [];
  const into = moving.type === 4 ? null : parent === undefined ? (moving.parent_id ?? null) : parent;
  const order = siblings(channels, moving, into).filter((c) => c.id !== movingId);
  order.splice(Math.max(0, Math.min(order.length, index)), 0, moving);
  return order.flatMap((c, position) => {
    const moved = c.id === movingId && moving.type !== 4 && (moving.parent_id ?? null) !== into;
    if (c.position === position && !moved) return [];
    return [moved ? { id: c.id, position, parent_id: into } : { id: c.id, position }];
  });
}

/** One step up (-1) or down (+1) among its siblings; nothing at either end. */
export function moveBy(channels: Channel[], movingId: string, step: -1 | 1): PositionChange[] {
  const moving = channels.find((c) => c.id === movingId);
  if (!moving) return [];
  const order = siblings(channels, moving, moving.parent_id ?? null);
  const at = order.findIndex((c) => c.id === movingId);
  const to = at + step;
  if (to < 0 || to >= order.length) return [];
  return placeAt(channels, movingId, to);
}

/** Dropping `movingId` on `targetId`: a channel takes the target's place (in the target's
 * category); dropped on a category, it goes to the end of that category; a category dropped
 * on a channel takes the place of that channel's category. */
export function dropOn(channels: Channel[], movingId: string, targetId: string): PositionChange[] {
  const moving = channels.find((c) => c.id === movingId);
  const target = channels.find((c) => c.id === targetId);
  if (!moving || !target || moving.id === target.id) return [];
  if (moving.type === 4) {
    const category = target.type === 4 ? target : channels.find((c) => c.id === target.parent_id);
    if (!category) return placeAt(channels, movingId, 0);
    const order = siblings(channels, moving, null).filter((c) => c.id !== movingId);
    return placeAt(channels, movingId, order.findIndex((c) => c.id === category.id) + (moving.position < category.position ? 1 : 0));
  }
  if (target.type === 4) return placeAt(channels, movingId, Number.MAX_SAFE_INTEGER, target.id);
  const parent = target.parent_id ?? null;
  const order = siblings(channels, moving, parent).filter((c) => c.id !== movingId);
  const index = order.findIndex((c) => c.id === target.id);
  // Dragged down within its group, it lands after the target; otherwise before it.
  const after = (moving.parent_id ?? null) === parent && byPosition(moving, target) < 0;
  return placeAt(channels, movingId, index + (after ? 1 : 0), parent);
}

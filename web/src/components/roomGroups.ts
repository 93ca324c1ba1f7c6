/**
 * How the room list is grouped: under the township each room belongs to (a
 * village room under its parent township), townships in the server's order.
 */

import type { OrgUnit, Room } from "@/api";

export interface RoomGroup {
  /** The township's org-unit id (or the room's own unit when the tree does not say). */
  id: number;
  name: string;
  /** The county above the township, when known. */
  parentName: string | null;
  rooms: Room[];
}

export function groupRoomsByTownship(rooms: Room[], orgUnits: OrgUnit[]): RoomGroup[] {
  const units = new Map(orgUnits.map((unit) => [unit.id, unit]));
  const groups = new Map<number, RoomGroup>();

  for (const room of rooms) {
    const own = units.get(room.org_unit_id);
    const township =
      room.level === "village" && own?.parent_id != null ? units.get(own.parent_id) : own;
    const id = township?.id ?? room.org_unit_id;
    let group = groups.get(id);
    if (!group) {
      const parent = township?.parent_id != null ? units.get(township.parent_id) : undefined;
      group = {
        id,
        name: township?.name ?? room.org_unit_name,
        parentName: parent?.name ?? null,
        rooms: [],
      };
      groups.set(id, group);
    }
    group.rooms.push(room);
  }

  // The township's own room first, then its villages', each keeping the server's order.
  for (const group of groups.values()) {
    group.rooms = [
      ...group.rooms.filter((room) => room.level === "township"),
      ...group.rooms.filter((room) => room.level === "village"),
    ];
  }
  return [...groups.values()];
}

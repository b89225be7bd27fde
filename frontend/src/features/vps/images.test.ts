import { describe, expect, it } from "vitest";
import type { ImageOut } from "@/client/types.gen";
import { compareVersionsNewestFirst, groupImages } from "./images";

const image = (id: string, distribution: string, version: string | null, label = `${distribution} ${version}`) =>
  ({ id, distribution, version, label }) as ImageOut;

describe("image versions", () => {
  it("sorts numerically, newest first", () => {
    expect(["20.04", "24.04", "22.04", "24.10"].sort(compareVersionsNewestFirst)).toEqual(["24.10", "24.04", "22.04", "20.04"]);
    expect(["9", "11", "12", "10"].sort(compareVersionsNewestFirst)).toEqual(["12", "11", "10", "9"]);
    expect(["Stream 8", "Stream 10", "Stream 9"].sort(compareVersionsNewestFirst)).toEqual(["Stream 10", "Stream 9", "Stream 8"]);
  });

  it("puts versions without numbers last and keeps their order", () => {
    expect(["rolling", "3.20", "edge", "3.9"].sort(compareVersionsNewestFirst)).toEqual(["3.20", "3.9", "rolling", "edge"]);
  });

  it("groups by distribution with the newest version first, falling back to the label", () => {
    const groups = groupImages([
      image("u20", "Ubuntu", "20.04"),
      image("u24", "Ubuntu", "24.04"),
      image("u22", "Ubuntu", "22.04"),
      image("d11", "Debian", null, "Debian 11"),
      image("d12", "Debian", null, "Debian 12"),
    ]);
    expect(groups.get("Ubuntu")!.map((i) => i.id)).toEqual(["u24", "u22", "u20"]);
    expect(groups.get("Debian")!.map((i) => i.id)).toEqual(["d12", "d11"]);
  });
});

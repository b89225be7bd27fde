import { describe, expect, it } from "vitest";
import { add, compare, formatHourly, formatMonthly, subtract, toUnits } from "./money";

describe("money", () => {
  it("formats monthly prices with two decimals and thousands separators", () => {
    expect(formatMonthly("12.5")).toBe("$12.50");
    expect(formatMonthly("1234.005")).toBe("$1,234.01");
    expect(formatMonthly("0")).toBe("$0.00");
  });

  it("formats hourly prices with up to five decimals", () => {
    expect(formatHourly("0.01786")).toBe("$0.01786");
    expect(formatHourly("0.0150")).toBe("$0.015");
    expect(formatHourly("1")).toBe("$1.00");
  });

  it("never goes through floats: 0.1 + 0.2 is exactly 0.30", () => {
    expect(add("0.1", "0.2")).toBe("0.30");
    expect(subtract("24.00", "12.10")).toBe("11.90");
    // A float would make this 9007199254740993 -> ...992
    expect(toUnits("90071992547409.93", 2)).toBe(9007199254740993n);
  });

  it("compares decimal strings", () => {
    expect(compare("5.00", "5")).toBe(0);
    expect(compare("4.99", "5")).toBe(-1);
    expect(compare("10", "9.99999")).toBe(1);
  });

  it("refuses what is not a decimal", () => {
    expect(() => toUnits("1e3", 2)).toThrow();
    expect(() => toUnits("NaN", 2)).toThrow();
  });
});

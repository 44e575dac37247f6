// A stand-in for the host's public address. Voice and TURN must be advertised at an address
// coturn will relay to, and the bundle's coturn refuses private and loopback ranges (as it
// should). So the test gives this host 198.18.0.1, from the range RFC 2544 sets aside for
// benchmarks (routed nowhere, and in none of coturn's denied ranges), as a second address
// of the loopback interface: traffic to it never leaves the machine. Removed afterwards.

import { run } from "./engine";

export const PUBLIC_IP = "198.18.0.1";

export async function addPublicAddress(): Promise<{ remove(): Promise<void> }> {
  const address = [`${PUBLIC_IP}/32`, "dev", "lo"];
  await run("ip", ["addr", "del", ...address]).catch(() => undefined);
  await run("ip", ["addr", "add", ...address]);
  return { remove: () => run("ip", ["addr", "del", ...address]).then(() => undefined) };
}

// What the browser does when something wants my attention: a desktop notification and a
// short sound while the tab is hidden (only if I turned them on in settings, which is also
// where the browser's permission is asked, never on load), and the tab's title and favicon
// carrying the number of mentions and DM messages waiting.

import { badgeText, titleWith } from "./notify";

const KEY = "parley.notifications";

/** Whether I turned desktop notifications on in this browser (and it still allows them). */
export function desktopOn(): boolean {
  return globalThis.localStorage?.getItem(KEY) === "on" && globalThis.Notification?.permission === "granted";
}

export function desktopSupported(): boolean {
  return typeof globalThis.Notification === "function";
}

/** Turns desktop notifications on (asking the browser's permission first) or off; resolves
 * to whether they are on. */
export async function setDesktop(on: boolean): Promise<boolean> {
  if (!on || !desktopSupported()) {
    localStorage.setItem(KEY, "off");
    return false;
  }
  const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
  localStorage.setItem(KEY, permission === "granted" ? "on" : "off");
  return permission === "granted";
}

/** Shows a desktop notification; a click brings the tab forward and runs `onClick`. */
export function showNotification(title: string, body: string, tag: string, onClick: () => void): void {
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      globalThis.focus?.();
      onClick();
      n.close();
    };
  } catch {
    // Some browsers allow notifications only from a service worker: then none.
  }
}

let audio: AudioContext | null = null;

/** Two short soft tones, made on the spot (no file to fetch). */
export function playSound(): void {
  try {
    audio ??= new AudioContext();
    const at = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, at + i * 0.09);
      gain.gain.exponentialRampToValueAtTime(0.15, at + i * 0.09 + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + i * 0.09 + 0.12);
      osc.connect(gain).connect(audio.destination);
      osc.start(at + i * 0.09);
      osc.stop(at + i * 0.09 + 0.13);
    }
  } catch {
    // No audio (a browser that refuses before a gesture): the notification is enough.
  }
}

let icon: HTMLImageElement | null = null;
let plainIcon: string | null = null;
let shown = -1;

/** Puts the count in the tab's title and, when above zero, a red badge on the favicon, drawn
 * on a canvas over the page's own icon. */
export function showCount(count: number): void {
  document.title = titleWith(count);
  if (count === shown) return;
  shown = count;
  const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) return;
  plainIcon ??= link.getAttribute("href") ?? "/favicon.svg";
  if (count <= 0) {
    link.type = "image/svg+xml";
    link.href = plainIcon;
    return;
  }
  const draw = () => {
    if (shown !== count || !icon) return;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const g = canvas.getContext("2d");
    if (!g) return;
    g.drawImage(icon, 0, 0, 64, 64);
    g.fillStyle = "#e5383b";
    g.beginPath();
    g.arc(44, 44, 20, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#fff";
    g.font = "bold 26px sans-serif";
    g.textAlign = "center";
    g.textBaseline = "middle";
    g.fillText(badgeText(count).slice(0, 2), 44, 46);
    link.type = "image/png";
    link.href = canvas.toDataURL("image/png");
  };
  if (icon?.complete) return draw();
  icon = new Image();
  icon.onload = draw;
  icon.src = plainIcon;
}

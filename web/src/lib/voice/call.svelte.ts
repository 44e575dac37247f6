// The call I am in, and who is in every voice channel I can see. Joining is Discord's flow:
// op 4 on the gateway, VOICE_SERVER_UPDATE back with a token and endpoint, then the voice
// connection (lib/voice/connection.ts). Here live the local media (microphone, camera,
// screen), the chosen devices, per-person volume, speaking rings and connection quality;
// screens read this state and call these methods.

import { type Api, errorMessage } from "../api/client";
import type { DispatchHandlers } from "../gateway/dispatcher";
import type { VoiceServerUpdate } from "../gateway/dispatches";
import { VoiceConnection, type ConnectionStatus } from "./connection";
import { type CloseAdvice, closeReason, Speaking, type TrackKind, VIDEO_KINDS, voiceUrl } from "./protocol";
import { qualityBetween, readStats, type Quality, type Totals } from "./quality";
import { rms, SpeakingDetector } from "./speaking";
import { applyVoiceState, guildVoiceStates, inChannel, type VoiceState, type VoiceStates } from "./states";

export type { VoiceState } from "./states";

/** What the voice code needs from the rest of the client. */
export interface VoiceHost {
  api: Api;
  /** Sends gateway op 4. */
  sendVoiceState(d: Record<string, unknown>): void;
  /** My user id and gateway session, once READY. */
  me(): { userId: string; sessionId: string } | null;
  gatewayUrl(): string;
}

export type CallStatus = "joining" | ConnectionStatus;

export interface CallInfo {
  /** null for a call in a DM or group DM. */
  guildId: string | null;
  channelId: string;
  status: CallStatus;
}

export type DeviceKind = "audioinput" | "audiooutput" | "videoinput";

/** How long to wait for VOICE_SERVER_UPDATE before saying the join was refused (the
 * server ignores a join it does not allow, as Discord does). */
const JOIN_TIMEOUT_MS = 8000;
const QUALITY_EVERY_MS = 2000;
const LEVEL_EVERY_MS = 50;

const stored = <T>(key: string, fallback: T): T => {
  try {
    const raw = globalThis.localStorage?.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
};
const store = (key: string, value: unknown) => globalThis.localStorage?.setItem(key, JSON.stringify(value));

export class Voice {
  states = $state<VoiceStates>({});
  call = $state<CallInfo | null>(null);
  selfMute = $state(false);
  selfDeaf = $state(false);
  camera = $state(false);
  screen = $state(false);
  /** Speaking bits by user (mine included). */
  speaking = $state<Record<string, number>>({});
  /** Others' camera and screen, by user. */
  video = $state<Record<string, Partial<Record<TrackKind, MediaStream>>>>({});
  /** My own camera and screen, for my tile. */
  ownVideo = $state<Partial<Record<TrackKind, MediaStream>>>({});
  /** Playback volume by user, 0..1 (kept in this browser). */
  volumes = $state<Record<string, number>>(stored("parley.voice.volumes", {}));
  /** Chosen device ids by kind (kept in this browser). */
  devices = $state<Partial<Record<DeviceKind, string>>>(stored("parley.voice.devices", {}));
  available = $state<MediaDeviceInfo[]>([]);
  /** Send media only through TURN relays (kept in this browser). */
  relayOnly = $state<boolean>(stored("parley.voice.relayOnly", false));
  quality = $state<Quality | null>(null);
  /** Something the person should know (a refused join, a lost microphone). */
  notice = $state<string | null>(null);
  /** A private call ringing for me: its channel and who started it. */
  ringing = $state<{ channelId: string; from: string } | null>(null);

  private connection: VoiceConnection | null = null;
  /** The latest VOICE_SERVER_UPDATE for the call. */
  private server: VoiceServerUpdate | null = null;
  /** Fresh connections made after losing one, in this call. */
  private rejoins = 0;
  private mic: MediaStream | null = null;
  private cameraStream: MediaStream | null = null;
  private screenStream: MediaStream | null = null;
  private audio = new Map<string, HTMLAudioElement>();
  private audioHost: HTMLElement | null = null;
  private context: AudioContext | null = null;
  private levelTimer: ReturnType<typeof setInterval> | null = null;
  private qualityTimer: ReturnType<typeof setInterval> | null = null;
  private joinTimer: ReturnType<typeof setTimeout> | null = null;
  private totals: Totals = { received: 0, lost: 0 };
  /** Whether the call's video is on screen; when not, others' video is paused. */
  private videoShown = true;

  constructor(private readonly host: VoiceHost) {}

  /** Who is in a voice channel. */
  inChannel(channelId: string): VoiceState[] {
    return inChannel(this.states, channelId);
  }

  stateOf(userId: string): VoiceState | undefined {
    return this.call ? this.inChannel(this.call.channelId).find((s) => s.user_id === userId) : undefined;
  }

  volumeOf(userId: string): number {
    return this.volumes[userId] ?? 1;
  }

  // --- gateway events -------------------------------------------------------------

  /** The dispatches that concern voice. */
  readonly handlers: DispatchHandlers = {
    READY: () => {
      // A new gateway session: the server ended the old one's call with it. Join the same
      // call again with this session (as people expect after a network drop).
      this.states = {};
      const was = this.call;
      if (was) {
        this.teardown("Your connection to the server dropped; rejoining the call…");
        void this.join(was.guildId, was.channelId);
      }
    },
    GUILD_CREATE: (guild) => {
      this.states = guildVoiceStates(this.states, guild.id, guild.voice_states ?? []);
    },
    GUILD_DELETE: ({ id }) => {
      this.states = guildVoiceStates(this.states, id, []);
      if (this.call?.guildId === id) this.teardown(null);
    },
    VOICE_STATE_UPDATE: (state) => this.stateUpdate(state),
    CALL_CREATE: (call) => {
      for (const state of call.voice_states ?? []) this.states = applyVoiceState(this.states, { ...state, guild_id: null });
      const me = this.host.me()?.userId;
      const from = call.voice_states?.[0]?.user_id;
      if (me && from && call.ringing?.includes(me) && this.call?.channelId !== call.channel_id) {
        this.ringing = { channelId: call.channel_id, from };
      }
    },
    CALL_DELETE: ({ channel_id: channelId }) => {
      if (this.ringing?.channelId === channelId) this.ringing = null;
      this.states = Object.fromEntries(Object.entries(this.states).filter(([, s]) => s.channel_id !== channelId));
    },
    VOICE_SERVER_UPDATE: (server) => void this.serverUpdate(server),
  };

  private stateUpdate(state: VoiceState): void {
    this.states = applyVoiceState(this.states, state);
    const me = this.host.me();
    if (!me || state.user_id !== me.userId || !this.call) return;
    if ((state.guild_id ?? null) !== this.call.guildId) return;
    if (state.session_id !== me.sessionId) {
      this.teardown("You joined voice from another device.");
    } else if (state.channel_id === null) {
      if (this.call.status !== "joining") this.teardown("You were disconnected from the voice channel.");
    } else if (state.channel_id !== this.call.channelId) {
      // Moved by a moderator: a VOICE_SERVER_UPDATE for the new channel follows.
      this.call = { ...this.call, channelId: state.channel_id, status: "joining" };
    }
  }

  private async serverUpdate(server: VoiceServerUpdate): Promise<void> {
    if (!this.call) return;
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
    this.server = server;
    this.rejoins = 0;
    await this.connect();
  }

  /** Opens a voice connection with the latest VOICE_SERVER_UPDATE. */
  private async connect(): Promise<void> {
    const me = this.host.me();
    const call = this.call;
    const server = this.server;
    if (!me || !call || !server) return;
    this.connection?.close();
    this.connection = null;
    let iceServers: RTCIceServer[] = [];
    try {
      iceServers = (await this.host.api.request<{ ice_servers: RTCIceServer[] }>("GET", "/voice/ice-servers")).ice_servers;
    } catch {
      // Without TURN, direct UDP may still connect; a failure says so then.
    }
    if (this.call !== call || this.server !== server) return;
    const connection = new VoiceConnection(
      {
        url: voiceUrl(server.endpoint, this.host.gatewayUrl()),
        serverId: server.guild_id ?? call.channelId,
        userId: me.userId,
        sessionId: me.sessionId,
        token: server.token,
      },
      {
        iceServers,
        relayOnly: this.relayOnly,
        events: {
          status: (status, ended) => {
            if (this.connection !== connection) return;
            if (ended) this.connectionEnded(ended.code, ended.advice);
            else if (this.call) this.call = { ...this.call, status };
          },
          track: (userId, kind, track) => this.remoteTrack(userId, kind, track),
          left: (userId) => this.forget(userId),
          speaking: (userId, flags) => (this.speaking = { ...this.speaking, [userId]: flags }),
        },
      },
    );
    this.connection = connection;
    this.call = { ...call, status: "connecting" };
    await connection.setTrack("audio", this.mic?.getAudioTracks()[0] ?? null);
    await connection.setTrack("camera", this.cameraStream?.getVideoTracks()[0] ?? null);
    await connection.setTrack("screen", this.screenStream?.getVideoTracks()[0] ?? null);
    connection.open();
    this.startQuality();
  }

  /** The voice server closed the connection for good. */
  private connectionEnded(code: number, advice: CloseAdvice): void {
    this.connection = null;
    if (!this.call) return;
    if (advice === "ended") {
      // Left, moved or disconnected: the gateway says which (a VOICE_STATE_UPDATE, and for a
      // move a VOICE_SERVER_UPDATE); until then the call waits.
      this.call = { ...this.call, status: "joining" };
      this.startJoinTimer(this.call.channelId);
      return;
    }
    if (advice === "rejoin" && this.rejoins < 2) {
      // The media or the voice session was lost, not the right to be here: connect again.
      this.rejoins += 1;
      this.call = { ...this.call, status: "reconnecting" };
      setTimeout(() => void this.connect(), 1000);
      return;
    }
    this.teardown(closeReason(code));
  }

  private startJoinTimer(channelId: string): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = setTimeout(() => {
      if (this.call?.channelId === channelId && this.call.status === "joining") {
        this.teardown("You could not join: the channel may be full, or you may not have permission to connect.", false);
      }
    }, JOIN_TIMEOUT_MS);
  }

  // --- joining and leaving ----------------------------------------------------------

  /** Joins a voice channel (`guildId` null: the call of a DM or group DM). */
  async join(guildId: string | null, channelId: string): Promise<void> {
    if (this.ringing?.channelId === channelId) this.ringing = null;
    if (this.call?.channelId === channelId) return;
    this.notice = null;
    // One call at a time, as in Discord: joining another leaves this one (a guild's call and
    // a DM's are kept apart by the server, so it must be told).
    if (this.call) this.leave();
    this.call = { guildId, channelId, status: "joining" };
    await this.openMicrophone();
    if (this.call?.channelId !== channelId) return;
    this.sendState();
    this.startJoinTimer(channelId);
  }

  /** Leaves the call. */
  leave(): void {
    if (!this.call) return;
    this.host.sendVoiceState({ guild_id: this.call.guildId, channel_id: null, self_mute: false, self_deaf: false });
    this.teardown(null, false);
  }

  /** Leaves the call for good, on signing out: nothing of this person's voice stays in the
   * page (this object is dropped with their session). */
  end(): void {
    this.leave();
    this.audioHost?.remove();
    this.audioHost = null;
  }

  private sendState(): void {
    if (!this.call) return;
    this.host.sendVoiceState({
      guild_id: this.call.guildId,
      channel_id: this.call.channelId,
      self_mute: this.selfMute,
      self_deaf: this.selfDeaf,
      self_video: this.camera,
      self_stream: this.screen,
    });
  }

  /** Ends the call on this side; `notice` says why to the person (null: they chose to). */
  private teardown(notice: string | null, announce = true): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
    const connection = this.connection;
    this.connection = null;
    this.server = null;
    connection?.close();
    for (const stream of [this.mic, this.cameraStream, this.screenStream]) stream?.getTracks().forEach((t) => t.stop());
    this.mic = this.cameraStream = this.screenStream = null;
    if (this.levelTimer) clearInterval(this.levelTimer);
    if (this.qualityTimer) clearInterval(this.qualityTimer);
    this.levelTimer = this.qualityTimer = null;
    void this.context?.close();
    this.context = null;
    for (const element of this.audio.values()) element.remove();
    this.audio.clear();
    this.call = null;
    this.camera = this.screen = false;
    this.speaking = {};
    this.video = {};
    this.ownVideo = {};
    this.quality = null;
    if (announce || notice) this.notice = notice;
  }

  // --- local media --------------------------------------------------------------------

  private async openMicrophone(): Promise<void> {
    try {
      this.mic = await navigator.mediaDevices.getUserMedia({
        audio: {
          deviceId: this.devices.audioinput ? { ideal: this.devices.audioinput } : undefined,
          echoCancellation: true,
          noiseSuppression: true,
          autoGainControl: true,
        },
      });
    } catch (error) {
      this.mic = null;
      this.selfMute = true;
      this.notice = `No microphone (${errorMessage(error)}): you can listen, but nobody hears you.`;
      return;
    }
    const track = this.mic.getAudioTracks()[0];
    if (track) track.enabled = !this.selfMute;
    await this.connection?.setTrack("audio", track ?? null);
    void this.refreshDevices();
    this.watchLevel();
  }

  /** Sends SPEAKING as my microphone's level rises and falls. */
  private watchLevel(): void {
    if (this.levelTimer) clearInterval(this.levelTimer);
    void this.context?.close();
    if (!this.mic) return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(this.mic).connect(analyser);
    this.context = context;
    const samples = new Float32Array(analyser.fftSize);
    const detector = new SpeakingDetector();
    this.levelTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      const heard = !this.selfMute;
      const changed = detector.update(heard ? rms(samples) : 0, performance.now());
      if (changed === null) return;
      const flags = changed ? Speaking.Microphone : 0;
      const me = this.host.me();
      if (me) this.speaking = { ...this.speaking, [me.userId]: flags };
      this.connection?.speaking(flags);
    }, LEVEL_EVERY_MS);
  }

  toggleMute(): void {
    this.selfMute = !this.selfMute;
    // Unmuting while deafened undeafens too, as in Discord.
    if (!this.selfMute && this.selfDeaf) this.setDeaf(false);
    this.mic?.getAudioTracks().forEach((t) => (t.enabled = !this.selfMute));
    this.sendState();
  }

  toggleDeafen(): void {
    this.setDeaf(!this.selfDeaf);
    // Deafened people are muted too: they cannot hear what they would answer.
    this.selfMute = this.selfDeaf || (this.mic === null);
    this.mic?.getAudioTracks().forEach((t) => (t.enabled = !this.selfMute));
    this.sendState();
  }

  private setDeaf(deaf: boolean): void {
    this.selfDeaf = deaf;
    for (const element of this.audio.values()) element.muted = deaf;
  }

  async toggleCamera(): Promise<void> {
    if (this.camera) {
      await this.stopVideo("camera");
      return;
    }
    try {
      this.cameraStream = await navigator.mediaDevices.getUserMedia({
        video: {
          deviceId: this.devices.videoinput ? { ideal: this.devices.videoinput } : undefined,
          width: { ideal: 1280 },
          height: { ideal: 720 },
          frameRate: { ideal: 30 },
        },
      });
    } catch (error) {
      this.notice = `The camera could not start: ${errorMessage(error)}`;
      return;
    }
    this.camera = true;
    this.ownVideo = { ...this.ownVideo, camera: this.cameraStream };
    await this.connection?.setTrack("camera", this.cameraStream.getVideoTracks()[0] ?? null);
    this.sendState();
  }

  async toggleScreen(): Promise<void> {
    if (this.screen) {
      await this.stopVideo("screen");
      return;
    }
    try {
      this.screenStream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    } catch (error) {
      // Cancelling the browser's picker is a choice, not an error.
      if ((error as DOMException)?.name !== "NotAllowedError") this.notice = `Screen sharing could not start: ${errorMessage(error)}`;
      return;
    }
    const track = this.screenStream.getVideoTracks()[0] ?? null;
    if (track) {
      // Text stays sharp; motion may stutter (what a shared screen wants).
      track.contentHint = "detail";
      // The browser's own "Stop sharing" button ends the track.
      track.onended = () => void this.stopVideo("screen");
    }
    this.screen = true;
    this.ownVideo = { ...this.ownVideo, screen: this.screenStream };
    await this.connection?.setTrack("screen", track);
    this.sendState();
  }

  /** Stops publishing my camera or screen (and tells the others it is off). */
  private async stopVideo(kind: "camera" | "screen"): Promise<void> {
    if (kind === "camera" ? !this.camera : !this.screen) return;
    (kind === "camera" ? this.cameraStream : this.screenStream)?.getTracks().forEach((t) => t.stop());
    if (kind === "camera") {
      this.cameraStream = null;
      this.camera = false;
    } else {
      this.screenStream = null;
      this.screen = false;
    }
    this.ownVideo = { ...this.ownVideo, [kind]: undefined };
    await this.connection?.setTrack(kind, null);
    this.sendState();
  }

  // --- devices and playback -----------------------------------------------------------

  async refreshDevices(): Promise<void> {
    try {
      this.available = await navigator.mediaDevices.enumerateDevices();
    } catch {
      this.available = [];
    }
  }

  /** Asks for the microphone and camera once, so the browser names its devices. */
  async revealDevices(): Promise<void> {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      stream.getTracks().forEach((t) => t.stop());
    } catch (error) {
      this.notice = `Access to the microphone and camera was refused: ${errorMessage(error)}`;
    }
    await this.refreshDevices();
  }

  /** Switches a device (and remembers it): takes effect in the call at once. */
  async choose(kind: DeviceKind, deviceId: string): Promise<void> {
    this.devices = { ...this.devices, [kind]: deviceId };
    store("parley.voice.devices", this.devices);
    if (kind === "audiooutput") {
      for (const element of this.audio.values()) await this.sink(element);
    } else if (kind === "audioinput" && this.call) {
      this.mic?.getTracks().forEach((t) => t.stop());
      await this.openMicrophone();
    } else if (kind === "videoinput" && this.camera) {
      await this.toggleCamera();
      await this.toggleCamera();
    }
  }

  private async sink(element: HTMLAudioElement): Promise<void> {
    const id = this.devices.audiooutput;
    const settable = element as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (id && settable.setSinkId) await settable.setSinkId(id).catch(() => {});
  }

  setVolume(userId: string, volume: number): void {
    this.volumes = { ...this.volumes, [userId]: volume };
    store("parley.voice.volumes", this.volumes);
    const element = this.audio.get(userId);
    if (element) element.volume = volume;
  }

  setRelayOnly(relayOnly: boolean): void {
    this.relayOnly = relayOnly;
    store("parley.voice.relayOnly", relayOnly);
  }

  /** Whether the call's video is on screen: others' video is paused while it is not, so
   * it costs no bandwidth. */
  showVideo(shown: boolean): void {
    this.videoShown = shown;
    for (const [userId, kinds] of Object.entries(this.video)) {
      for (const kind of VIDEO_KINDS) if (kinds[kind]) this.connection?.pauseVideo(userId, kind, !shown);
    }
  }

  private remoteTrack(userId: string, kind: TrackKind, track: MediaStreamTrack): void {
    if (kind === "audio") {
      let element = this.audio.get(userId);
      if (!element) {
        element = document.createElement("audio");
        element.autoplay = true;
        element.dataset.user = userId;
        this.audioHost ??= Object.assign(document.body.appendChild(document.createElement("div")), { hidden: true });
        this.audioHost.appendChild(element);
        this.audio.set(userId, element);
        void this.sink(element);
      }
      element.srcObject = new MediaStream([track]);
      element.volume = this.volumeOf(userId);
      element.muted = this.selfDeaf;
      void element.play().catch(() => {});
      return;
    }
    this.video = { ...this.video, [userId]: { ...this.video[userId], [kind]: new MediaStream([track]) } };
    if (!this.videoShown) this.connection?.pauseVideo(userId, kind, true);
  }

  private forget(userId: string): void {
    this.audio.get(userId)?.remove();
    this.audio.delete(userId);
    const { [userId]: _video, ...video } = this.video;
    this.video = video;
    const { [userId]: _speaking, ...speaking } = this.speaking;
    this.speaking = speaking;
  }

  private startQuality(): void {
    if (this.qualityTimer) clearInterval(this.qualityTimer);
    this.totals = { received: 0, lost: 0 };
    this.qualityTimer = setInterval(async () => {
      const connection = this.connection;
      if (!connection || connection.status !== "connected") return;
      const { rttMs, totals } = readStats(await connection.pc.getStats());
      this.quality = qualityBetween(this.totals, totals, rttMs);
      this.totals = totals;
    }, QUALITY_EVERY_MS);
  }
}

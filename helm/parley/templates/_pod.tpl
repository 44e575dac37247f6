
{{/* The pod of the server Deployment and of the voice Deployment (`voice`: this pod carries
     the calls, with the media port). */}}
{{- define "parley.podSpec" -}}
{{- $root := .root -}}
{{- $voice := .voice -}}
serviceAccountName: {{ include "parley.serviceAccountName" $root }}
automountServiceAccountToken: false
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- include "parley.podSecurityContext" $root | nindent 2 }}
# Parley drains for shutdownGraceSeconds after SIGTERM (gateway clients are told to
# reconnect elsewhere), after the preStop pause; Kubernetes waits a little longer before SIGKILL.
terminationGracePeriodSeconds: {{ add $root.Values.shutdownGraceSeconds $root.Values.preStopSleepSeconds 10 }}
containers:
  - name: parley
    image: {{ include "parley.image" $root | quote }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args: ["serve"]
    envFrom:
      - configMapRef:
          name: {{ include "parley.fullname" $root }}
    env:
      {{- include "parley.databaseEnv" $root | nindent 6 }}
      {{- if and $voice (eq (include "parley.voiceSeparate" $root) "true") }}
      # The voice pod serves calls, never files: its storage is a scratch folder, and it
      # sweeps none (the server pods sweep the real storage).
      - name: PARLEY_FILES_STORAGE
        value: local
      - name: PARLEY_FILES_DIR
        value: /data/files
      - name: PARLEY_FILES_SWEEP_INTERVAL_SECS
        value: "0"
      {{- else }}
      {{- include "parley.filesEnv" $root | nindent 6 }}
      {{- end }}
      - name: PARLEY_REDIS_URL
        valueFrom:
          secretKeyRef:
            name: {{ include "parley.secretName" $root }}
            key: redis-url
            optional: true
      {{- if $root.Values.turn.urls }}
      - name: PARLEY_TURN_SECRET
        valueFrom:
          secretKeyRef:
            name: {{ include "parley.secretName" $root }}
            key: turn-secret
      {{- end }}
      {{- if $voice }}
      # Every call's media on one UDP port, advertised at the media Service's public address.
      - name: PARLEY_VOICE_UDP_BIND
        value: {{ printf "0.0.0.0:%d" (int $root.Values.voice.udpPort) | quote }}
      - name: PARLEY_VOICE_PUBLIC_IP
        value: {{ $root.Values.voice.publicIp | quote }}
      {{- end }}
      {{- with $root.Values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    ports:
      - name: http
        containerPort: 8080
        protocol: TCP
      - name: metrics
        containerPort: {{ $root.Values.metrics.port }}
        protocol: TCP
      {{- if $voice }}
      - name: media
        containerPort: {{ $root.Values.voice.udpPort }}
        protocol: UDP
      {{- end }}
    startupProbe:
      httpGet:
        path: /health
        port: http
      periodSeconds: 2
      failureThreshold: 30
    livenessProbe:
      httpGet:
        path: /health
        port: http
      periodSeconds: 10
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /ready
        port: http
      periodSeconds: 5
      failureThreshold: 2
    # A terminating pod leaves the Service's endpoints (and the ingress's upstreams) a few
    # seconds after it is told to stop; until then requests still arrive. It keeps serving
    # them for preStopSleepSeconds, and only then gets SIGTERM and drains.
    lifecycle:
      preStop:
        exec:
          command: ["sleep", {{ $root.Values.preStopSleepSeconds | quote }}]
    resources:
      {{- toYaml (ternary $root.Values.voice.resources $root.Values.resources (and $voice (eq (include "parley.voiceSeparate" $root) "true"))) | nindent 6 }}
    securityContext:
      {{- include "parley.containerSecurityContext" $root | nindent 6 }}
    volumeMounts:
      - name: data
        mountPath: /data
      {{- if and (eq $root.Values.files.storage "local") (not (and $voice (eq (include "parley.voiceSeparate" $root) "true"))) }}
      - name: files
        mountPath: /files
      {{- end }}
      - name: tmp
        mountPath: /tmp
      - name: keys
        mountPath: /etc/parley/keys
        readOnly: true
      {{- with $root.Values.extraVolumeMounts }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
volumes:
  # State lives in PostgreSQL, Redis and the files' storage; /data holds nothing that must
  # survive a pod.
  - name: data
    emptyDir: {}
  {{- if and (eq $root.Values.files.storage "local") (not (and $voice (eq (include "parley.voiceSeparate" $root) "true"))) }}
  - name: files
    persistentVolumeClaim:
      claimName: {{ include "parley.filesClaim" $root }}
  {{- end }}
  - name: tmp
    emptyDir: {}
  - name: keys
    secret:
      secretName: {{ include "parley.secretName" $root }}
      defaultMode: 0400
      items:
        - key: signing-key
          path: signing-key
{{- with $root.Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

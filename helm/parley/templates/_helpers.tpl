{{/* Names and labels shared by every template. */}}

{{- define "parley.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "parley.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "parley.selectorLabels" -}}
app.kubernetes.io/name: {{ include "parley.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "parley.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "parley.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: parley
{{- end -}}

{{/* A one-off pod's labels (migrations, backups): the release's, but not the server's
     selector, so the Service never sends it traffic and the PodDisruptionBudget never counts it. */}}
{{- define "parley.jobPodLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: parley
{{- end -}}

{{- define "parley.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "parley.secretName" -}}
{{- .Values.existingSecret | default (include "parley.fullname" .) -}}
{{- end -}}

{{- define "parley.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "parley.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* Refuses values that cannot work, with the value to change. */}}
{{- define "parley.validate" -}}
{{- if and (not .Values.existingSecret) (not .Values.database.url) -}}
{{- fail "set database.url (postgres://USER:PASSWORD@HOST:5432/DB) or existingSecret with a database-url key" -}}
{{- end -}}
{{- if and (not .Values.existingSecret) (not .Values.redis.url) (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) -}}
{{- fail "more than one replica needs redis.url (the event bus between nodes), or set replicaCount: 1" -}}
{{- end -}}
{{- if and .Values.backup.enabled (not .Values.existingSecret) (not .Values.backup.key) -}}
{{- fail "backup.enabled needs backup.key (a passphrase of 16 or more characters: openssl rand -hex 32), or existingSecret with a backup-key key; keep a copy outside the cluster" -}}
{{- end -}}
{{- if and .Values.voice.publicIp (not (regexMatch "^[0-9a-fA-F.:]+$" .Values.voice.publicIp)) -}}
{{- fail "voice.publicIp must be an IP address (the media Service's external IP), or empty" -}}
{{- end -}}
{{- /* The connection budget: at the most pods there can be (the HPA's maximum or the replicas,
     one more during a rolling update, the voice pod, the migration Job), each with a full
     pool, within what the PostgreSQL server allows. */ -}}
{{- $servers := ternary (int .Values.autoscaling.maxReplicas) (int .Values.replicaCount) .Values.autoscaling.enabled -}}
{{- $pods := add $servers 1 (ternary 1 0 (eq (include "parley.voiceSeparate" .) "true")) (ternary 1 0 .Values.migrations.enabled) (ternary 1 0 .Values.backup.enabled) -}}
{{- $needed := mul $pods (int .Values.database.maxConnections) -}}
{{- if gt (int $needed) (int .Values.database.serverMaxConnections) -}}
{{- fail (printf "%d pods at most (servers, one more while rolling, voice, migrations, backup) × database.maxConnections %d = %d connections, over database.serverMaxConnections %d: lower database.maxConnections or autoscaling.maxReplicas, or raise PostgreSQL's max_connections and database.serverMaxConnections with it" (int $pods) (int .Values.database.maxConnections) (int $needed) (int .Values.database.serverMaxConnections)) -}}
{{- end -}}
{{- include "parley.validateFiles" . -}}
{{- end -}}

{{/* Files need a place every pod that serves them (and the backup Job) reaches. */}}
{{- define "parley.validateFiles" -}}
{{- $files := .Values.files -}}
{{- if not $files.storage -}}
{{- fail "set files.storage: s3 (with files.s3.bucket: a bucket every pod reaches) or local (a PersistentVolumeClaim every pod mounts; see files in values.yaml)" -}}
{{- end -}}
{{- if and (eq $files.storage "s3") (not $files.s3.bucket) -}}
{{- fail "files.storage s3 needs files.s3.bucket (an existing bucket), and files.s3.endpoint for a server other than AWS S3" -}}
{{- end -}}
{{- if ne (empty $files.s3.accessKeyId) (empty $files.s3.secretAccessKey) -}}
{{- fail "files.s3.accessKeyId and files.s3.secretAccessKey go together: give both, or neither for the standard AWS chain" -}}
{{- end -}}
{{- if and $files.s3.accessKeyId .Values.existingSecret -}}
{{- fail "with existingSecret, S3 credentials go in that Secret (s3-access-key-id, s3-secret-access-key), not in files.s3" -}}
{{- end -}}
{{- if and (eq $files.storage "local") (ne $files.persistence.accessMode "ReadWriteMany") (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled .Values.backup.enabled) -}}
{{- fail (printf "files.storage local with files.persistence.accessMode %s: a second pod (another replica, autoscaling, or the backup Job) on another node could never mount the claim; use ReadWriteMany, or files.storage s3" $files.persistence.accessMode) -}}
{{- end -}}
{{- end -}}

{{/* Where files are kept, for the server pods and the backup Job. */}}
{{- define "parley.filesEnv" -}}
- name: PARLEY_FILES_STORAGE
  value: {{ .Values.files.storage | quote }}
{{- if eq .Values.files.storage "local" }}
# A folder of Parley's own on the claim: the claim's root belongs to whoever made the volume,
# and Parley keeps its files readable by itself only.
- name: PARLEY_FILES_DIR
  value: /files/parley
{{- else }}
- name: PARLEY_S3_BUCKET
  value: {{ .Values.files.s3.bucket | quote }}
- name: PARLEY_S3_ENDPOINT
  value: {{ .Values.files.s3.endpoint | quote }}
- name: PARLEY_S3_REGION
  value: {{ .Values.files.s3.region | quote }}
- name: PARLEY_S3_PATH_STYLE
  value: {{ .Values.files.s3.pathStyle | quote }}
- name: PARLEY_S3_PREFIX
  value: {{ .Values.files.s3.prefix | quote }}
- name: PARLEY_S3_PRESIGNED_DOWNLOADS
  value: {{ .Values.files.s3.presignedDownloads | quote }}
- name: PARLEY_S3_PUBLIC_ENDPOINT
  value: {{ .Values.files.s3.publicEndpoint | quote }}
- name: PARLEY_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "parley.secretName" . }}
      key: s3-access-key-id
      optional: true
- name: PARLEY_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "parley.secretName" . }}
      key: s3-secret-access-key
      optional: true
{{- end }}
{{- end -}}

{{/* The files claim's name, with files.storage local. */}}
{{- define "parley.filesClaim" -}}
{{- .Values.files.persistence.existingClaim | default (printf "%s-files" (include "parley.fullname" .)) -}}
{{- end -}}

{{/* The pod and container security settings: non-root, read-only root, no capabilities. */}}
{{- define "parley.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "parley.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* The database URL from the Secret, for the server and the migration Job. */}}
{{- define "parley.databaseEnv" -}}
- name: PARLEY_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "parley.secretName" . }}
      key: database-url
- name: PARLEY_DATABASE_MAX_CONNECTIONS
  value: {{ .Values.database.maxConnections | quote }}
- name: PARLEY_LOG_FORMAT
  value: {{ .Values.telemetry.logFormat | quote }}
- name: PARLEY_DATA_DIR
  value: /data
{{- end -}}

{{/* Whether calls get a pod of their own: with several server pods, yes (every call must
     reach one SFU); with one, that pod carries them. Prints "true" or nothing. */}}
{{- define "parley.voiceSeparate" -}}
{{- if and .Values.voice.enabled (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) -}}true{{- end -}}
{{- end -}}

{{/* The labels of whichever pod carries the calls. */}}
{{- define "parley.voicePodLabels" -}}
{{- if include "parley.voiceSeparate" . -}}
{{ include "parley.voiceSelectorLabels" . }}
{{- else -}}
{{ include "parley.selectorLabels" . }}
{{- end -}}
{{- end -}}

{{/* The voice pod's labels: a name of its own, so the server Deployment's selector (and its
     Service, PDB and HPA) never take it in. */}}
{{- define "parley.voiceSelectorLabels" -}}
app.kubernetes.io/name: {{ include "parley.name" . }}-voice
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: voice
{{- end -}}

{{/* What the voice pod's calls depend on: its settings, TURN, the public URL (tokens and
     origins), the telemetry it reports with, and how it stops. Its checksum rolls the voice
     pod; nothing else in the ConfigMap does. */}}
{{- define "parley.voiceConfig" -}}
{{- toYaml (dict "voice" .Values.voice "turn" .Values.turn "publicUrl" .Values.publicUrl "telemetry" .Values.telemetry "shutdownGraceSeconds" .Values.shutdownGraceSeconds "preStopSleepSeconds" .Values.preStopSleepSeconds "metricsPort" .Values.metrics.port) -}}
{{- end -}}

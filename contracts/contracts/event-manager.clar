;; event-manager
;; Operators create demand-response events, fund their reward pools and move
;; them through their life cycle:
;;
;;   created --start-event--> active --end-event--> ended
;;   created --cancel-event--> cancelled
;;
;; Operators are added by the owner, or approved by governance-dao.
;; `start` is Unix seconds (UTC) and `duration` seconds: they are the schedule
;; the VTN publishes to VENs. start-event and end-event are the on-chain record
;; of the operator saying the event began and finished. The contract compares
;; the schedule with chain time (the block time) in one place only: once the
;; chain time is at or past start + duration + GRACE-PERIOD, the event counts
;; as abandoned if its operator has not closed it, and anyone may end it
;; (status "active") or cancel it (status "created"), so that no stake or pool
;; stays in escrow because an operator went away.
;;
;; create-event copies governance-dao's parameters into the event, so a
;; governance change applies from the next event on. The reward pool is
;; transferred from the operator to the reward-distributor (the escrow).
;;
;; Every change prints the whole event record merged with {event, event-id};
;; this is what the VTN reads.
;;
;; The acting principal is `contract-caller`.
;; Error codes: u300-u399.

(define-constant MAX-DURATION u86400) ;; one day, in seconds
(define-constant MIN-SIGNAL-LEVEL u1) ;; OpenADR SIMPLE levels: 1 moderate, 2 high, 3 special
(define-constant MAX-SIGNAL-LEVEL u3)
(define-constant GRACE-PERIOD u86400) ;; seconds after start + duration before anyone may end/cancel
(define-constant MAX-REWARD-POOL u1000000000000000000000000) ;; 10^24 base units (10^18 DRT): keeps settlement arithmetic in range

(define-constant ERR-OWNER-ONLY (err u300))            ;; caller is not the contract owner
(define-constant ERR-NOT-OPERATOR (err u301))          ;; create-event: caller is not an operator
(define-constant ERR-EVENT-NOT-FOUND (err u302))       ;; no event with that id
(define-constant ERR-NOT-EVENT-OPERATOR (err u303))    ;; start: caller did not create the event; end/cancel: nor is it past its grace
(define-constant ERR-INVALID-START (err u304))         ;; create-event: start is zero
(define-constant ERR-INVALID-DURATION (err u305))      ;; create-event: duration is zero or above 86400
(define-constant ERR-INVALID-TARGET (err u306))        ;; create-event: target-reduction-kw is zero
(define-constant ERR-INVALID-SIGNAL-LEVEL (err u307))  ;; create-event: signal-level not in 1..3
(define-constant ERR-INVALID-REWARD-POOL (err u308))   ;; create-event: reward-pool is zero or above MAX-REWARD-POOL
(define-constant ERR-EVENT-NOT-CREATED (err u309))     ;; start/cancel: event is not in status "created"
(define-constant ERR-EVENT-NOT-ACTIVE (err u310))      ;; end: event is not in status "active"

(define-constant STATUS-CREATED "created")
(define-constant STATUS-ACTIVE "active")
(define-constant STATUS-ENDED "ended")
(define-constant STATUS-CANCELLED "cancelled")

(define-data-var contract-owner principal tx-sender)
(define-data-var last-event-id uint u0)
(define-map operators principal bool)

(define-map events uint
  {
    operator: principal,
    start: uint,                    ;; Unix seconds, UTC
    duration: uint,                 ;; seconds
    target-reduction-kw: uint,
    signal-level: uint,
    reward-pool: uint,              ;; token base units held by reward-distributor
    status: (string-ascii 16),
    penalty-rate: uint,             ;; governance snapshot at creation
    verification-threshold: uint,   ;; governance snapshot at creation
    reward-multiplier: uint,        ;; governance snapshot at creation
    min-stake: uint,                ;; governance snapshot at creation
    created-at: uint,               ;; stacks block height
    ended-at: uint                  ;; stacks block height of end-event, u0 before
  })

;; ---------------------------------------------------------------------------
;; Event life cycle
;; ---------------------------------------------------------------------------

(define-public (create-event (start uint) (duration uint) (target-reduction-kw uint) (signal-level uint) (reward-pool uint))
  (let ((operator contract-caller)
        (id (+ (var-get last-event-id) u1))
        (params (contract-call? .governance-dao get-parameters)))
    (asserts! (is-operator operator) ERR-NOT-OPERATOR)
    (asserts! (> start u0) ERR-INVALID-START)
    (asserts! (and (> duration u0) (<= duration MAX-DURATION)) ERR-INVALID-DURATION)
    (asserts! (> target-reduction-kw u0) ERR-INVALID-TARGET)
    (asserts! (and (>= signal-level MIN-SIGNAL-LEVEL) (<= signal-level MAX-SIGNAL-LEVEL)) ERR-INVALID-SIGNAL-LEVEL)
    (asserts! (and (> reward-pool u0) (<= reward-pool MAX-REWARD-POOL)) ERR-INVALID-REWARD-POOL)
    (try! (contract-call? .reward-token transfer reward-pool operator .reward-distributor none))
    (let ((record {operator: operator, start: start, duration: duration,
                   target-reduction-kw: target-reduction-kw, signal-level: signal-level,
                   reward-pool: reward-pool, status: STATUS-CREATED,
                   penalty-rate: (get penalty-rate params),
                   verification-threshold: (get verification-threshold params),
                   reward-multiplier: (get reward-multiplier params),
                   min-stake: (get min-stake params),
                   created-at: stacks-block-height, ended-at: u0}))
      (map-set events id record)
      (var-set last-event-id id)
      (print (merge {event: "dr-event-created", event-id: id} record))
      (ok id))))

(define-public (start-event (event-id uint))
  (let ((record (try! (get-own-event event-id false))))
    (asserts! (is-eq (get status record) STATUS-CREATED) ERR-EVENT-NOT-CREATED)
    (ok (update-event event-id "dr-event-started" (merge record {status: STATUS-ACTIVE})))))

;; The event's operator at any time, or anyone once the event is past its grace.
(define-public (end-event (event-id uint))
  (let ((record (try! (get-own-event event-id true))))
    (asserts! (is-eq (get status record) STATUS-ACTIVE) ERR-EVENT-NOT-ACTIVE)
    (ok (update-event event-id "dr-event-ended" (merge record {status: STATUS-ENDED, ended-at: stacks-block-height})))))

;; The event's operator at any time, or anyone once the event is past its grace.
(define-public (cancel-event (event-id uint))
  (let ((record (try! (get-own-event event-id true))))
    (asserts! (is-eq (get status record) STATUS-CREATED) ERR-EVENT-NOT-CREATED)
    (ok (update-event event-id "dr-event-cancelled" (merge record {status: STATUS-CANCELLED})))))

;; Checks u302 then u303: the event exists, and the caller is its operator (or,
;; when `after-grace-anyone`, the event is past its grace).
(define-private (get-own-event (event-id uint) (after-grace-anyone bool))
  (let ((record (unwrap! (map-get? events event-id) ERR-EVENT-NOT-FOUND)))
    (asserts! (or (is-eq contract-caller (get operator record))
                  (and after-grace-anyone (past-grace record)))
              ERR-NOT-EVENT-OPERATOR)
    (ok record)))

;; Chain time (Unix seconds) at or past start + duration + GRACE-PERIOD.
;; Written so that nothing can overflow whatever `start` is.
(define-private (past-grace (record {operator: principal, start: uint, duration: uint, target-reduction-kw: uint, signal-level: uint, reward-pool: uint, status: (string-ascii 16), penalty-rate: uint, verification-threshold: uint, reward-multiplier: uint, min-stake: uint, created-at: uint, ended-at: uint}))
  (let ((now (chain-time)))
    (and (>= now (get start record))
         (>= (- now (get start record)) (+ (get duration record) GRACE-PERIOD)))))

(define-private (chain-time) stacks-block-time) ;; the current block's time (Clarity 4)

(define-private (update-event (event-id uint) (name (string-ascii 32)) (record {operator: principal, start: uint, duration: uint, target-reduction-kw: uint, signal-level: uint, reward-pool: uint, status: (string-ascii 16), penalty-rate: uint, verification-threshold: uint, reward-multiplier: uint, min-stake: uint, created-at: uint, ended-at: uint}))
  (begin
    (map-set events event-id record)
    (print (merge {event: name, event-id: event-id} record))
    true))

;; ---------------------------------------------------------------------------
;; Administration
;; ---------------------------------------------------------------------------

(define-public (add-operator (who principal))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (map-set operators who true)
    (print {event: "dr-operator-set", operator: who, enabled: true})
    (ok true)))

(define-public (remove-operator (who principal))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (map-delete operators who)
    (print {event: "dr-operator-set", operator: who, enabled: false})
    (ok true)))

(define-public (set-contract-owner (new-owner principal))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (var-set contract-owner new-owner)
    (print {event: "dr-owner-changed", contract: "event-manager", owner: new-owner})
    (ok true)))

;; ---------------------------------------------------------------------------
;; Read-only
;; ---------------------------------------------------------------------------

(define-read-only (get-event (event-id uint)) (map-get? events event-id))

(define-read-only (get-last-event-id) (var-get last-event-id))

;; Added by the owner, or approved by governance-dao.
(define-read-only (is-operator (who principal))
  (or (default-to false (map-get? operators who))
      (contract-call? .governance-dao is-approved-operator who)))

(define-read-only (get-contract-owner) (var-get contract-owner))

;; True once the event is past start + duration + GRACE-PERIOD in chain time
;; (anyone may then end or cancel it); false for unknown events.
(define-read-only (is-past-grace (event-id uint))
  (match (map-get? events event-id) record (past-grace record) false))

;; The chain time the grace rule uses (Unix seconds).
(define-read-only (get-chain-time) (chain-time))

;; verification-engine
;; Anyone may verify a participant of an ended event once the oracle reading
;; for the pair exists. Each pair is verified once:
;;
;;   reduction-wh = baseline-wh - actual-wh (u0 if actual >= baseline)
;;   achieved-pct = reduction-wh * 100 / baseline-wh           (floor)
;;   compliant    = achieved-pct * 100 >= reduction-pct * verification-threshold
;;                  (i.e. achieved >= committed * threshold / 100, exactly)
;;   score        = min(100, achieved-pct * 100 / reduction-pct)   (percent of the commitment met)
;;
;; verification-threshold is the event's governance snapshot. If no reading
;; arrives within VERIFICATION-WINDOW blocks after end-event, the pair can be
;; verified without one: it then counts as zero reduction (non-compliant), so
;; every event can be finalised.
;;
;; Per event it keeps the counts and the sum of the compliant participants'
;; reduction-wh that reward-distributor divides the pool by. An event is
;; finalised when every committed participant is verified.
;;
;; Checks, in this order: u600, u601, u602, u603, u604.
;;
;; Error codes: u600-u699.

(define-constant VERIFICATION-WINDOW u144) ;; stacks blocks after end-event

(define-constant ERR-EVENT-NOT-FOUND (err u600))   ;; no event with that id
(define-constant ERR-EVENT-NOT-ENDED (err u601))   ;; event is not in status "ended"
(define-constant ERR-NOT-COMMITTED (err u602))     ;; user has no commitment to the event
(define-constant ERR-NO-READING (err u603))        ;; no oracle reading yet and the window is still open
(define-constant ERR-ALREADY-VERIFIED (err u604))  ;; pair already verified

(define-map verifications {event-id: uint, user: principal}
  {
    has-reading: bool,
    baseline-wh: uint,
    actual-wh: uint,
    reduction-wh: uint,
    achieved-pct: uint,
    committed-pct: uint,
    verification-threshold: uint,
    compliant: bool,
    score: uint,
    verified-at: uint
  })

(define-map event-summaries uint
  {verified-count: uint, compliant-count: uint, total-compliant-reduction-wh: uint})

(define-public (verify-participant (event-id uint) (user principal))
  (let ((record (unwrap! (contract-call? .event-manager get-event event-id) ERR-EVENT-NOT-FOUND)))
    (asserts! (is-eq (get status record) "ended") ERR-EVENT-NOT-ENDED)
    (let ((pledge (unwrap! (contract-call? .commitment get-commitment event-id user) ERR-NOT-COMMITTED))
          (reading (contract-call? .data-oracle get-reading event-id user)))
      (asserts! (or (is-some reading) (>= stacks-block-height (+ (get ended-at record) VERIFICATION-WINDOW)))
                ERR-NO-READING)
      (asserts! (is-none (map-get? verifications {event-id: event-id, user: user})) ERR-ALREADY-VERIFIED)
      ;; data-oracle bounds baseline-wh and actual-wh by 10^15, so reduction-wh * 100
      ;; and the per-event sum of at most 200 reductions stay far below 2^128.
      (let ((baseline-wh (default-to u0 (get baseline-wh reading)))
            (actual-wh (default-to u0 (get actual-wh reading)))
            (reduction-wh (if (> baseline-wh actual-wh) (- baseline-wh actual-wh) u0))
            (achieved-pct (if (> baseline-wh u0) (/ (* reduction-wh u100) baseline-wh) u0))
            (committed-pct (get reduction-pct pledge))
            (threshold (get verification-threshold record))
            (compliant (>= (* achieved-pct u100) (* committed-pct threshold)))
            (score (min-uint u100 (/ (* achieved-pct u100) committed-pct)))
            (summary (get-event-summary event-id))
            (result {has-reading: (is-some reading), baseline-wh: baseline-wh, actual-wh: actual-wh,
                     reduction-wh: reduction-wh, achieved-pct: achieved-pct, committed-pct: committed-pct,
                     verification-threshold: threshold, compliant: compliant, score: score,
                     verified-at: stacks-block-height}))
        (map-set verifications {event-id: event-id, user: user} result)
        (map-set event-summaries event-id
          {verified-count: (+ (get verified-count summary) u1),
           compliant-count: (+ (get compliant-count summary) (if compliant u1 u0)),
           total-compliant-reduction-wh: (+ (get total-compliant-reduction-wh summary) (if compliant reduction-wh u0))})
        (print (merge {event: "dr-verification", event-id: event-id, user: user} result))
        (ok compliant)))))

(define-private (min-uint (a uint) (b uint)) (if (< a b) a b))

;; ---------------------------------------------------------------------------
;; Read-only
;; ---------------------------------------------------------------------------

(define-read-only (get-verification (event-id uint) (user principal))
  (map-get? verifications {event-id: event-id, user: user}))

(define-read-only (get-event-summary (event-id uint))
  (default-to {verified-count: u0, compliant-count: u0, total-compliant-reduction-wh: u0}
    (map-get? event-summaries event-id)))

;; True once every committed participant of the event has been verified.
(define-read-only (is-event-finalized (event-id uint))
  (is-eq (get verified-count (get-event-summary event-id))
         (contract-call? .commitment get-participant-count event-id)))

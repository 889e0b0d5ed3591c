package frontend

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/coaching"
)

// The conversation with the guide: messages oldest first (the ones not
// read before marked new), read receipts on the client's own, and a send
// form while the trajectory runs. Every rendering of the form carries a
// fresh idempotency key, so a double submit or a retry stores the message
// once (coaching.Service.Send). Message bodies are never logged.

type messagesPage struct {
	With     string
	Messages []messageView
	HomeHref string
	Notice   string
	// The send form, while the trajectory runs.
	CanSend   bool
	Action    string
	CSRF      string
	Key       string
	Body      string
	BodyError string
	Max       int
	Days      int
}

type messageView struct {
	ID     string
	Mine   bool
	Sender string
	When   string
	ISO    string
	Body   string
	New    bool
	Read   string // "" until read (the client's own messages)
}

func (s *Site) guidedMessagesPage(c *gin.Context) {
	v := s.guidedView(c, "guided.messages.title", "/guided/t/"+c.Param("id")+"/messages")
	s.renderGuidedMessages(c, http.StatusOK, v, "", "")
}

// renderGuidedMessages shows the conversation, with body and its error when a
// send did not go through.
func (s *Site) renderGuidedMessages(c *gin.Context, status int, v *view, body, bodyErr string) {
	conv, err := s.Coaching.Conversation(c.Request.Context(), signedIn(c), c.Param("id"))
	if err != nil {
		s.guidedError(c, v, err)
		return
	}
	t := conv.Trajectory
	pg := messagesPage{With: conv.With, HomeHref: v.Href("/guided/mine"), Max: coaching.MaxMessage, Days: s.Coaching.Config().ResponseDays,
		CanSend: t.State == coaching.StateActive, Body: body, BodyError: bodyErr}
	if conv.With != "" {
		v.Title = v.T("guided.messages.with", "Name", conv.With)
	}
	if c.Query("notice") == "sent" && status == http.StatusOK {
		pg.Notice = v.T("guided.notice.sent")
	}
	for _, m := range conv.Messages {
		mv := messageView{ID: m.ID, Mine: m.From == coaching.FromClient, Sender: m.SenderName, When: s.guidedTime(v, m.SentAt),
			ISO: m.SentAt.UTC().Format(time.RFC3339), Body: m.Body}
		if mv.Mine {
			mv.Sender = v.T("guided.messages.you")
			if m.ReadAt != nil {
				mv.Read = v.T("guided.messages.read", "When", s.guidedTime(v, *m.ReadAt))
			}
		} else {
			mv.New = m.ReadAt == nil
		}
		pg.Messages = append(pg.Messages, mv)
	}
	if pg.CanSend {
		pg.Action, pg.CSRF, pg.Key = v.Href("/guided/t/"+t.ID+"/messages"), csrfToken(c), idempotencyKey()
	}
	if bodyErr != "" {
		v.Errors = append(v.Errors, errorLink{Href: "#body", Text: bodyErr})
	}
	v.Data = pg
	s.render(c, status, "guided_messages", v)
}

func (s *Site) guidedMessageSubmit(c *gin.Context) {
	v := s.guidedView(c, "guided.messages.title", "/guided/t/"+c.Param("id")+"/messages")
	body := c.PostForm("body")
	m, _, err := s.Coaching.Send(c.Request.Context(), signedIn(c), c.Param("id"), body, c.PostForm("key"))
	var fe fieldErrors
	switch {
	case err == nil:
		// A retry with the same key lands here too, on the first message.
		redirect(c, http.StatusSeeOther, v.Href("/guided/t/"+c.Param("id")+"/messages")+"?notice=sent#m-"+m.ID)
	case errors.Is(err, coaching.ErrIdempotencyKeyReused):
		// This form was sent already with another text (the back button):
		// show the conversation, with the text kept and a fresh form.
		s.renderGuidedMessages(c, http.StatusConflict, v, body, v.T("guided.messages.error_again"))
	case errors.As(err, &fe):
		msg := v.T("guided.messages.error_body", "Max", coaching.MaxMessage)
		if _, bad := fe.FieldErrors()["body"]; !bad {
			msg = v.T("guided.messages.error_form")
		}
		s.renderGuidedMessages(c, http.StatusUnprocessableEntity, v, body, msg)
	default:
		s.guidedError(c, v, err)
	}
}

#!/usr/bin/env python3
"""Regenerate the Office/OpenDocument sample transcripts for quarry.

    python3 make_office_files.py            # writes next to this script

Produces:
  P12_interview.docx  paragraphs "Interviewer: ..." / "P12: ..." with a bold
                      label run and some paragraphs split into several runs
  P13_interview.docx  title paragraph + two-column table (Speaker | Text),
                      one row per turn, as transcription services deliver
  P14_interview.odt   OpenDocument text, <text:p> paragraphs with <text:span>
                      and <text:s/> for runs of spaces

Only the Python standard library is used. The transcripts below are synthetic
and were written for quarry; no real person is represented.

Source notation used in the embedded transcripts:
  "I: ..."  interviewer turn      "P: ..."  participant turn
  "+ ..."   further paragraph of the previous turn (no speaker label)
"""
import os
import re
import zipfile
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))

P12 = r'''
I: Okay, I've started the recording. Thanks for participating. Could you describe your current position?
P: Yes, of course. I'm an assistant professor in a faculty of medicine in Montréal. I'm a researcher in health professions education, so I'm, um, mostly research. I have a small teaching load in our graduate programme. My work is on, hmm, on clinical supervision and on patient partnership in education.
I: How would you describe your use of social media for work?
P: Passive, I would say. Mostly passive. I read a lot, I listen to podcasts, but I post very rarely. And when I post, it's usually on LinkedIn, to share a paper, because my institution asks us to. I'm not very comfortable with it.
I: We'll come back to the comfort part. First, what do you get out of reading?
P: Mainly ideas. For research. There's a lot of discussion online about methods, and about theory. I discovered, for example, the work on, um, on epistemic injustice, you know, the idea that some people's knowledge is given less credibility. I saw a thread about it in the context of patients as teachers, and it was exactly what I was trying to say in my grant but didn't have the words for. So I went and read the philosophy, and now it's the theoretical framework for my current project.
+ So I would say social media is like a, a conference hallway that's always open. You overhear conversations. Sometimes you learn something you didn't know you needed. It's not where I get my evidence, but it's where I get, hmm, directions.
I: That's a useful image. Are there any barriers for you in using social media?
P: Language is one. Almost all the medical education content is in English. I'm comfortable in English, but it's my second language, and for some of my colleagues, especially clinicians, it's harder. There's a francophone community online but it's much smaller. So a lot of my colleagues are not really part of these conversations, and I feel I'm sometimes a bridge. I'll translate things, summarise in French, share in our internal newsletter.
+ And time, of course. And the fact that the platforms keep changing. I had built a small list of people to follow on Twitter, and then half of them left. I tried to follow them to other platforms, but it's too much work. So I just stopped. Now I mostly rely on podcasts and newsletters, they're more stable.
I: Why do you think you post so rarely?
P: I think it's my personality, partly. I'm quite private. I don't like the performance aspect. And I'm cautious, maybe too cautious. When you write in a second language, you worry about nuance, that you'll say something in a way that sounds wrong, or too strong. In a paper you have reviewers, you have time. Online it's immediate and it's permanent.
+ Also, honestly, I find the tone online sometimes aggressive. I've seen colleagues criticised very harshly for a small mistake. And I think, why would I expose myself to that? The benefit is not clear enough compared to the risk.
I: What do you think would happen if you posted more often?
P: Honestly? Probably nothing bad. Probably a few more people would read our papers. But I have this, this anxiety, a small fear that the one time I post, it will be the time I make an error. It's not rational, I know.
I: How confident do you feel about using social media professionally?
P: For reading, very confident. For posting, not so much. I know how to use the tools. It's more that I'm not sure what the right register is. What's the tone of a professional academic on social media? It seems everyone has their own style. Some people are very casual, some are very formal. I don't know where I fit.
I: What do you know about your institution's expectations or policies?
P: There is a policy. The university has guidelines, and the hospital has its own, stricter ones. For the hospital, you cannot post anything about patients, of course, or take photos inside. And they discourage identifying yourself as hospital staff. The university is more encouraging, they want visibility. There's a communications team that shares our papers. So the two institutions send a bit of a mixed message.
I: How do you judge what is trustworthy online?
P: I'm a researcher, so I'm sceptical by default. I look for the source, the evidence. But I'll admit that sometimes I'm influenced by who is sharing. If a respected person shares something, I'm more likely to believe it, even before I check. It's a shortcut. It's a bit naïve maybe, but everyone does it. The problem is when the respected person is wrong, then the error spreads very fast.
I: Have you used social media content in your teaching at all?
P: A little. In my graduate seminar, I use some threads and blog posts as discussion material. Like, there was a very good blog post about the ethics of using tweets as research data. Are they public? Do you need consent? And I use it to discuss research ethics with my students. It's more engaging than a textbook chapter. They argue about it.
I: What's your own view on that question?
P: Hmm. I think just because something is public doesn't mean people expect to be studied. So I would be careful. If I did a study with social media data, I would paraphrase, not quote directly, so people can't search and find the person. And I'd think about whether the community would be okay with it. It's a grey zone.
I: Have social media changed how you relate to senior people in your field?
P: A bit, yes. I've sent messages to senior researchers after reading their posts, and they've answered. It makes them seem more approachable. In Québec, the academic world is small, so hierarchy is maybe less strong than in some places. But internationally, it helps. I had a conversation with a researcher in the Netherlands that started online and now we're writing a grant together.
I: Do your colleagues influence how you use it?
P: Yes. Some of my colleagues are very active, and they tell me I should do more. My department head too. There's a kind of pressure, you know, to be visible, to have impact. But nobody gives you time for it. It's an expectation without resources. That frustrates me a little.
I: Do you have any goals for your use of social media going forward?
P: Maybe to be a little more active. Not a lot. Perhaps share our papers more systematically, and write one or two summaries in French for the francophone community. I think that's where I could add the most value. There are not many people doing that. I could make a difference there.
I: Is there anything else you'd like to add?
P: No, I think that covers it. Thank you for the interview.
I: Thank you very much.
'''

P13 = r'''
I: Olá, Rafael, thanks for joining. Can you tell me about your role?
P: Olá! Yes, so I'm a, um, I'm an internist and a professor at a medical school in São Paulo. I coordinate the internal medicine clerkship, so I teach a lot of students, and I also do research on, uh, on clinical reasoning education. And I still see patients at the university hospital. So I'm a bit of everything. [laughs]
I: And how do you use social media professionally?
P: A lot. I'm very active. But maybe differently from what you expect. I use Instagram more than Twitter. In Brazil, Instagram is huge, for everything, also for medical education. I have a page where I post clinical reasoning cases, little quizzes, carousels. I also have a YouTube channel with some lectures. And on X I follow the international #MedEd people, and I post sometimes in English, but my main audience is in Portuguese.
I: Tell me about the Instagram page. How did it start?
P: So it started during the pandemic. The students were at home, no clinical rotations, and I was thinking, how can I keep them practising clinical reasoning? So I started posting cases. Like, a patient comes with this, what's your differential? And then the next day I post the answer with the explanation. And it grew. Now it's, I don't know, many thousands of followers, students from all over Brazil, also Portugal, Mozambique. It's amazing to me, honestly.
+ And I use the same material in my clerkship. The cases I post, I use them in small group sessions. The students who follow the page come already prepared. Sometimes they've already discussed in the comments. So it's like a flipped classroom, but it happened by accident.
I: How do you craft a post? What goes into it?
P: Ah, this is an art. [laughs] So, for Instagram, the carousel is the format. First slide has to catch attention, a question, a strong image. Then each slide one idea, short text, big font, because people read on the phone. I use a consistent visual identity, same colours, same fonts, so people recognise my posts. And the caption, I write a longer explanation with references. Always references.
+ The tone is friendly, a bit informal, but I never make jokes about patients. That's a line. And I'm careful with, you know, with simplification. Clinical reasoning is complex, and in ten slides you simplify. So I always say, this is a teaching case, it's not a protocol. Please consult the guidelines.
+ It takes time. One good carousel, maybe two hours. I do it on weekends, mostly. My wife says I have a second job. [laughs] And she's right.
I: What about knowledge from social media flowing into your practice or teaching?
P: Oh, a lot. From the international community, I learned about many teaching techniques, like the SNAPPS model for case presentations, or the idea of illness scripts, which is now central to how I teach. I first saw illness scripts in a thread, honestly, then I read the papers, and now it's the framework of my research. Also, visual abstracts, I learned to make them from seeing journals post them. Now my students make visual abstracts in journal club.
+ And for clinical practice, sometimes I see discussions about a new trial, and it makes me go read it earlier than I would. It's a fast alert system. But I never change practice only from a post. I read the trial, I discuss with my team.
I: What are the challenges you face?
P: Many. First, the rules. The Federal Council of Medicine in Brazil has strict rules about what doctors can post. You can't do, um, self-promotion, you can't show before-and-after pictures, you can't promise results. Most of it is for cosmetic procedures, but it applies to all doctors. So I'm very careful, my page is clearly educational, not advertising. Also the university has a policy, you need to be clear you speak for yourself.
+ Second, misinformation. In Brazil, health misinformation on social media is a big problem. There are doctors with millions of followers promoting things without evidence. It's frustrating, because they get more engagement than evidence-based content. The algorithm likes controversy. So sometimes I feel I'm, like, fighting against the current.
+ Third, the platforms change all the time. Instagram changed the algorithm to push videos, Reels, and my carousels got less reach. So I had to learn to make videos. Which I'm not good at. [laughs] And X was blocked in Brazil for some weeks, by a court decision, so suddenly nobody could access it. That was a reminder that you can't depend on one platform.
I: How did you feel when those things happened?
P: Frustrated, tired. There's a kind of, um, burnout, from always having to adapt. And when the reach drops, you feel like, is anybody still listening? But then a student sends a message saying, professor, your case helped me in my exam, and it's worth it again. That's the fuel.
I: You mentioned messages from students. Has social media changed your relationships with students or colleagues?
P: Completely. Students from other universities message me with questions. Some are shy in person but online they ask everything. And with senior professors, internationally, I've had conversations I'd never have otherwise. A famous clinical reasoning researcher commented on one of my English posts and now we have a collaboration. In Brazil, hierarchy in medicine is strong, the professor is, you know, very distant. Online it's more horizontal. I try to be horizontal also in person now, because of this.
I: How do you handle boundaries with students online?
P: I don't follow students back from my personal account. My personal account is private, only family and friends. The professional page is public, anyone can follow. In the comments I answer questions, but I don't do individual tutoring by direct message, that would be impossible, and also a boundary. I say, bring your question to class, or post it in the comments so everyone learns.
I: How confident do you feel about what you do?
P: For content, confident. For the technical side, video editing, analytics, less. I learned everything alone, watching tutorials, trial and error. I'd love training, but medical schools don't offer this. I think it should be part of faculty development now. It's part of being an educator today.
I: Does your institution recognise this work?
P: Informally, yes. The dean knows about my page, he mentions it. Some colleagues think it's a bit, hmm, frivolous. Like, Instagram is not serious. But formally, for promotion, it's publications and teaching hours. My page reaches more students than all my lectures combined, but it doesn't count. I wrote a paper about the page, actually, so at least that counts. [laughs]
I: Do you have routines for managing all this?
P: I try. I plan posts for the month. I batch the production on Saturday mornings. I answer comments in the evening, thirty minutes maximum. And I take breaks, like in January I take one month off, completely. Otherwise I would burn out. I learned that the hard way in 2021.
I: What are your plans going forward?
P: I want to involve students in making content, like a team. Some residents already help me. That's also a learning opportunity for them, to learn to communicate science. And I want to do a study on whether the page actually improves clinical reasoning, not just likes. That's the researcher in me. Likes are not learning.
I: That's a great line. Anything else you'd like to add?
P: Just that the conversation about #MedEd on social media is very English-speaking. There are big communities in Portuguese, Spanish, other languages, doing great work. I hope research like yours looks at them too.
I: That's a really important point. Thank you, Rafael.
P: Obrigado, Lena! It was a pleasure.
'''

P14 = r'''
I: All right, we're recording. Thank you for talking with me today. Could you tell me a bit about your background and role?
P: Sure.  So I'm a general surgeon, I've been in practice, oh, almost thirty years now. And for the last twelve or so I've been the associate program director for our surgery residency at an academic medical center in the Southeast. So I teach residents in the OR, I run our skills curriculum, and I sit on the clinical competency committee. I'm an educator, I'd say. I don't do much research, a few education projects here and there.
I: How do you use social media in your professional life?
P: [laughs] Barely. I'm what my residents call a lurker. I have a Twitter account, or X, whatever it is now, because one of my chief residents set it up for me a few years back. I follow, I don't know, maybe a hundred people. Surgical education folks, a few journals. I look at it maybe once or twice a week. I've never posted anything original. I think I retweeted a paper from our group once.
I: So how does content from social media reach you, if you're not on it much?
P: Mostly secondhand. My residents and the younger faculty are all over it, and they'll send me things. Like, hey, did you see this? Or they'll show me something on their phone in the lounge between cases. So I'm kind of, I get the filtered version. Which, honestly, works pretty well for me. They know what I'm interested in.
+ And I do listen to a couple of podcasts, surgical ones, on the treadmill. That's probably my main direct source. There's one where they go through a landmark paper each episode, and I find that really useful, because I don't have time to read everything and it's nice to hear people argue about it.
I: Can you think of something that came to you that way that ended up in your teaching?
P: Yes, actually, a good one. One of our junior faculty showed me an infographic on, um, on the principles of deliberate practice for surgical skills. It was one page, very clean, with the key steps. And I'd been struggling with how to explain to residents why just doing more cases isn't enough, you have to practise specific things with feedback. And this picture said it better than I could. So I put it up in our skills lab. It's still there.
+ We also started using some of the video content for our, uh, our knot-tying and suturing curriculum. There are surgeons who post short videos of techniques, and some are really excellent. We vet them, I watch them myself first, and if they're good, they go in the curriculum as pre-work before the skills session. It saves time in the lab.
I: How do you decide what's good enough to use?
P: I watch it. [laughs] That's the advantage of being a surgeon, I can tell pretty quickly if the technique is sound. For things outside my expertise, I look at who made it, is it from a recognized institution or society, and I ask around. I've seen some real garbage out there. Videos of techniques that would get you in trouble. And residents find those too, so part of my job now is teaching them how to tell the difference. Just because a surgeon has a big following doesn't mean they're doing it right.
I: What do you know about the risks of using social media professionally?
P: I know enough to be nervous. [laughs] Our hospital has a pretty strict social media policy. No patient photos, obviously, no images from the OR, even with the patient covered. There was an incident a few years back, not at our place, where a resident posted an OR photo and it became a whole thing. Lost their position, I think. So that's in everyone's head here. And I think my generation just has a different instinct. We were trained that you don't talk about your work outside the hospital. Period.
+ And the permanence of it. You say something in a conference room, it's gone. You post it, it's there forever, and someone can take it out of context. I've seen colleagues get into trouble for a joke that didn't land. At this stage of my career, I don't see the upside of taking that risk.
I: That's helpful. How confident would you feel about posting something if you wanted to?
P: Not very. I don't really know the etiquette. When do you tag people, what do the hashtags do, is it rude to reply to someone you don't know. I'd feel like I was walking into a party where everyone already knows each other. My chief resident offered to, quote, teach me social media, and I laughed, but maybe I should take her up on it.
I: What about barriers beyond the risks? Things like time, access?
P: Time is the big one. Between the OR, clinic, the residency stuff, there's nothing left. And our hospital network blocks most social media on the work computers. Which I actually think is fine, but it means I can't pull something up during a teaching session on the computer. I have to use my phone and then there's no way to get it on the big screen. IT won't whitelist things. I've asked.
+ And honestly, I find the platform itself off-putting now. Every time I open it, the first things I see are political fights and ads. It didn't used to be like that, or maybe I just didn't notice. So I open it less and less.
I: Has social media changed anything about the hierarchy in surgery, from what you've seen?
P: Oh, I think so. I see residents going back and forth with department chairs from other institutions online, and everybody's kind of on a first-name basis. That would have been unthinkable when I trained. You didn't speak to the chair unless spoken to. I have mixed feelings. I think some of it is good, it's more open, people can ask questions. But I also think surgery has a hierarchy for a reason in the OR. Outside the OR, though, sure, why not.
I: How do your colleagues influence how you engage with this?
P: Well, the younger ones are the reason I engage at all. And our chair is actually quite active, which has changed the culture a bit. When the chair posts, people feel like it's allowed. A few years ago it was seen as a bit unserious. Now it's, hmm, I'd say it's becoming the norm for the younger faculty. They put it in their promotion packets.
I: What do you feel when you think about that shift?
P: A bit of, um, I don't want to say envy. Curiosity, maybe. And a little left behind. There's a whole conversation happening about surgical education that I'm only catching bits of. But also relief, in a way, that I don't have to do it. [laughs] I've got enough on my plate.
I: Is there anything that would make you more likely to get involved?
P: If it were part of the job. If the program said, we need someone to share our curriculum materials online, and gave me time for it. Or if there was a clear benefit for the residents. I'd do it for them. I probably wouldn't do it for myself. And some kind of coaching, like I said. I'm not opposed, I just don't know how.
I: Do you have any goals or intentions around this?
P: Honestly, my goal is to get better at using what's already out there. Not to post, but to curate. Maybe build a little library of vetted videos and infographics for our residents, so they're not just finding random stuff on their own. That I could see myself doing. That's sort of a, what would you call it, a gatekeeper role. That suits me.
I: That's a great example of a different kind of engagement. Anything else you'd like to add?
P: Just that the people who aren't posting are still part of this. We're reading, we're watching, we're passing things along. Don't count us out. [laughs]
I: Not at all. Thank you so much for your time.
P: My pleasure.
'''


def parse(src):
    turns = []
    for line in src.strip("\n").splitlines():
        if not line.strip():
            continue
        if line.startswith("I: "):
            turns.append(("I", [line[3:]]))
        elif line.startswith("P: "):
            turns.append(("P", [line[3:]]))
        elif line.startswith("+ "):
            turns[-1][1].append(line[2:])
        else:
            raise ValueError("bad source line: %r" % line)
    return turns


# --------------------------------------------------------------------- docx
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
  <Default Extension="xml" ContentType="application/xml"/>
  <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>
"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>
"""

SECT = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" '
        'w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>')


def zinfo(name, compress=zipfile.ZIP_DEFLATED):
    """Zip entry with a fixed timestamp so regenerated files are byte-identical."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def w_run(text, bold=False, italic=False):
    props = ""
    if bold or italic:
        props = "<w:rPr>%s%s</w:rPr>" % ("<w:b/>" if bold else "", "<w:i/>" if italic else "")
    return '<w:r>%s<w:t xml:space="preserve">%s</w:t></w:r>' % (props, escape(text))


def text_runs(text, split):
    """Runs for a stretch of text. [laughs] etc. become italic runs; when
    split is true the text is also cut at commas into several runs, the way
    Word fragments paragraphs after editing."""
    runs = []
    for part in re.split(r"(\[[a-z ]+\])", text):
        if not part:
            continue
        if part.startswith("["):
            runs.append(w_run(part, italic=True))
            continue
        if split:
            pieces = re.split(r"(?<=,) ", part)
            # merge into at most three chunks
            k = max(1, len(pieces) // 3 + (len(pieces) % 3 > 0))
            chunks = [" ".join(pieces[i:i + k]) for i in range(0, len(pieces), k)]
            for i, c in enumerate(chunks):
                runs.append(w_run(c + (" " if i < len(chunks) - 1 else "")))
        else:
            runs.append(w_run(part))
    return "".join(runs)


def w_para(inner):
    return "<w:p>%s</w:p>" % inner


def document(body):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="%s"><w:body>%s%s</w:body></w:document>\n'
            % (W_NS, body, SECT))


def write_docx(path, document_xml):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zinfo("[Content_Types].xml"), CONTENT_TYPES)
        z.writestr(zinfo("_rels/.rels"), RELS)
        z.writestr(zinfo("word/document.xml"), document_xml)


def make_p12(path):
    labels = {"I": "Interviewer", "P": "P12"}
    paras = []
    n = 0
    for who, texts in parse(P12):
        for j, t in enumerate(texts):
            n += 1
            split = n % 3 == 0
            if j == 0:
                inner = w_run(labels[who] + ":", bold=True) + text_runs(" " + t, split)
            else:
                inner = text_runs(t, split)
            paras.append(w_para(inner))
    write_docx(path, document("".join(paras)))


def make_p13(path):
    labels = {"I": "Lena Marsh", "P": "Rafael Souza"}
    widths = (2000, 7000)

    def cell(paras_xml, width):
        return ('<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>%s</w:tc>'
                % (width, paras_xml))

    border = ''.join('<w:%s w:val="single" w:sz="4" w:space="0" w:color="auto"/>' % b
                     for b in ("top", "left", "bottom", "right", "insideH", "insideV"))
    rows = ['<w:tr>' + cell(w_para(w_run("Speaker", bold=True)), widths[0])
            + cell(w_para(w_run("Text", bold=True)), widths[1]) + '</w:tr>']
    for who, texts in parse(P13):
        text_xml = "".join(w_para(text_runs(t, False)) for t in texts)
        rows.append('<w:tr>' + cell(w_para(w_run(labels[who])), widths[0])
                    + cell(text_xml, widths[1]) + '</w:tr>')
    table = ('<w:tbl><w:tblPr><w:tblW w:w="%d" w:type="dxa"/><w:tblBorders>%s</w:tblBorders>'
             '</w:tblPr><w:tblGrid><w:gridCol w:w="%d"/><w:gridCol w:w="%d"/></w:tblGrid>%s</w:tbl>'
             % (sum(widths), border, widths[0], widths[1], "".join(rows)))
    title = w_para(w_run("Interview transcript P13 (video call, automated transcription, checked)", bold=True))
    # a Word body must not end with a table: keep an empty paragraph after it
    write_docx(path, document(title + table + "<w:p/>"))


# ---------------------------------------------------------------------- odt
ODT_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
  <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
  <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def odt_text(text):
    """Escape text for ODF: runs of 2+ spaces become ' <text:s text:c=N/>',
    bracketed stage directions become italic spans."""
    out = []
    for part in re.split(r"(\[[a-z ]+\])", text):
        if not part:
            continue
        def spaces(m):
            extra = len(m.group(0)) - 1
            return " " + ("<text:s/>" if extra == 1 else '<text:s text:c="%d"/>' % extra)
        esc = re.sub(r" {2,}", spaces, escape(part))
        if part.startswith("["):
            out.append('<text:span text:style-name="T2">%s</text:span>' % esc)
        else:
            out.append(esc)
    return "".join(out)


def make_p14(path):
    labels = {"I": "Interviewer", "P": "P14"}
    paras = []
    for who, texts in parse(P14):
        for j, t in enumerate(texts):
            if j == 0:
                body = ('<text:span text:style-name="T1">%s:</text:span> %s'
                        % (labels[who], odt_text(t)))
            else:
                body = odt_text(t)
            paras.append('<text:p text:style-name="P1">%s</text:p>' % body)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
        ' office:version="1.2">'
        '<office:automatic-styles>'
        '<style:style style:name="P1" style:family="paragraph">'
        '<style:paragraph-properties fo:margin-bottom="0.2cm"/></style:style>'
        '<style:style style:name="T1" style:family="text">'
        '<style:text-properties fo:font-weight="bold"/></style:style>'
        '<style:style style:name="T2" style:family="text">'
        '<style:text-properties fo:font-style="italic"/></style:style>'
        '</office:automatic-styles>'
        '<office:body><office:text>%s</office:text></office:body>'
        '</office:document-content>\n' % "".join(paras))
    with zipfile.ZipFile(path, "w") as z:
        # mimetype must be the first entry and stored uncompressed
        z.writestr(zinfo("mimetype", zipfile.ZIP_STORED), "application/vnd.oasis.opendocument.text")
        z.writestr(zinfo("META-INF/manifest.xml"), ODT_MANIFEST)
        z.writestr(zinfo("content.xml"), content)


if __name__ == "__main__":
    make_p12(os.path.join(HERE, "P12_interview.docx"))
    make_p13(os.path.join(HERE, "P13_interview.docx"))
    make_p14(os.path.join(HERE, "P14_interview.odt"))
    print("wrote P12_interview.docx, P13_interview.docx, P14_interview.odt")
